package local

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// The generic record API below lets tests outside the sandbox packages
// read and edit the two sandboxes the way a person would, through their
// HTTP APIs, in the canonical vocabulary of the shipped mappings: objects
// and fields by their canonical names, sides by role ("psa", "doc"). Only
// a subset is supported, the one the model-based test edits:
//
//	organization:  name (read only)
//	configuration: name, serial_number, asset_tag, notes,
//	               configuration_type, configuration_status (strings)
//	contact:       first_name, last_name, title (strings),
//	               emails ([]string: the addresses, in order)
//
// Empty values read as "" (strings) or an empty list.

// Sides of a sync, by role.
const (
	SidePSA = "psa"
	SideDoc = "doc"
)

// Record is one record of a sandbox in canonical terms.
type Record struct {
	ID     string
	Org    string // the id of its organization on the same side ("" for an organization)
	Fields map[string]any
}

// psaPaths maps canonical fields to the PSA's JSON fields (reads).
var psaPaths = map[string]map[string]string{
	"organization":  {"name": "name"},
	"configuration": {"name": "name", "serial_number": "serialNumber", "asset_tag": "tagNumber", "notes": "notes"},
	"contact":       {"first_name": "firstName", "last_name": "lastName", "title": "title"},
}

// docAttrs maps canonical fields to the documentation system's attributes.
var docAttrs = map[string]map[string]string{
	"organization":  {"name": "name"},
	"configuration": {"name": "name", "serial_number": "serial-number", "asset_tag": "asset-tag", "notes": "notes"},
	"contact":       {"first_name": "first-name", "last_name": "last-name", "title": "title"},
}

var psaLists = map[string]string{"organization": "/company/companies", "configuration": "/company/configurations", "contact": "/company/contacts"}
var docLists = map[string]string{"organization": "/organizations", "configuration": "/configurations", "contact": "/contacts"}

// ListRecords lists every record of an object on one side.
func (s *Systems) ListRecords(ctx context.Context, side, object string) ([]Record, error) {
	switch side {
	case SidePSA:
		path, ok := psaLists[object]
		if !ok {
			return nil, fmt.Errorf("sandbox: object %q not supported", object)
		}
		var out []Record
		for page := 1; ; page++ {
			var rows []map[string]any
			if err := s.cw(ctx, http.MethodGet, path+"?pageSize=1000&page="+strconv.Itoa(page), nil, &rows); err != nil {
				return nil, err
			}
			for _, r := range rows {
				out = append(out, psaRecord(object, r))
			}
			if len(rows) < 1000 {
				return out, nil
			}
		}
	case SideDoc:
		path, ok := docLists[object]
		if !ok {
			return nil, fmt.Errorf("sandbox: object %q not supported", object)
		}
		var out []Record
		for page := 1; ; page++ {
			var doc struct {
				Data []struct {
					ID         string         `json:"id"`
					Attributes map[string]any `json:"attributes"`
				} `json:"data"`
			}
			if err := s.itgGet(ctx, path+"?page[size]=1000&page[number]="+strconv.Itoa(page), &doc); err != nil {
				return nil, err
			}
			for _, d := range doc.Data {
				out = append(out, docRecord(object, d.ID, d.Attributes))
			}
			if len(doc.Data) < 1000 {
				return out, nil
			}
		}
	}
	return nil, fmt.Errorf("sandbox: unknown side %q", side)
}

func psaRecord(object string, r map[string]any) Record {
	rec := Record{ID: idString(r["id"]), Fields: map[string]any{}}
	if c, ok := r["company"].(map[string]any); ok {
		rec.Org = idString(c["id"])
	}
	for f, p := range psaPaths[object] {
		rec.Fields[f] = str(r[p])
	}
	switch object {
	case "configuration":
		rec.Fields["configuration_type"] = str(sub(r["type"], "name"))
		rec.Fields["configuration_status"] = str(sub(r["status"], "name"))
	case "contact":
		emails := []string{}
		items, _ := r["communicationItems"].([]any)
		for _, it := range items {
			if m, ok := it.(map[string]any); ok && m["communicationType"] == "Email" {
				emails = append(emails, str(m["value"]))
			}
		}
		rec.Fields["emails"] = emails
	}
	return rec
}

func docRecord(object, id string, a map[string]any) Record {
	rec := Record{ID: id, Org: idString(a["organization-id"]), Fields: map[string]any{}}
	if object == "organization" {
		rec.Org = ""
	}
	for f, p := range docAttrs[object] {
		rec.Fields[f] = str(a[p])
	}
	switch object {
	case "configuration":
		rec.Fields["configuration_type"] = str(a["configuration-type-name"])
		rec.Fields["configuration_status"] = str(a["configuration-status-name"])
	case "contact":
		emails := []string{}
		items, _ := a["contact-emails"].([]any)
		for _, it := range items {
			if m, ok := it.(map[string]any); ok {
				emails = append(emails, str(m["value"]))
			}
		}
		rec.Fields["emails"] = emails
	}
	return rec
}

// EditRecord sets fields of one record on one side (a PATCH, as a person
// editing the record would cause). "" blanks a string field.
func (s *Systems) EditRecord(ctx context.Context, side, object, id string, values map[string]any) error {
	switch side {
	case SidePSA:
		path := psaLists[object] + "/" + id
		var ops []map[string]any
		for f, v := range values {
			switch {
			case f == "configuration_type" || f == "configuration_status":
				ref, err := s.psaRef(ctx, f, v.(string))
				if err != nil {
					return err
				}
				ops = append(ops, map[string]any{"op": "replace", "path": "/" + map[string]string{"configuration_type": "type", "configuration_status": "status"}[f], "value": ref})
			case f == "emails":
				var cur map[string]any
				if err := s.cw(ctx, http.MethodGet, path, nil, &cur); err != nil {
					return err
				}
				items := []any{}
				old, _ := cur["communicationItems"].([]any)
				for _, it := range old {
					if m, ok := it.(map[string]any); ok && m["communicationType"] != "Email" {
						items = append(items, m)
					}
				}
				for i, e := range v.([]string) {
					items = append(items, map[string]any{"type": map[string]any{"name": "Email"}, "value": e, "defaultFlag": i == 0})
				}
				ops = append(ops, map[string]any{"op": "replace", "path": "/communicationItems", "value": items})
			default:
				p, ok := psaPaths[object][f]
				if !ok {
					return fmt.Errorf("sandbox: field %s.%s not supported", object, f)
				}
				ops = append(ops, map[string]any{"op": "replace", "path": "/" + p, "value": nullable(v)})
			}
		}
		return s.cw(ctx, http.MethodPatch, path, ops, nil)
	case SideDoc:
		attrs, err := s.docAttributes(ctx, object, values)
		if err != nil {
			return err
		}
		body := map[string]any{"data": map[string]any{"type": object + "s", "attributes": attrs}}
		return s.itg(ctx, http.MethodPatch, docLists[object]+"/"+id, body)
	}
	return fmt.Errorf("sandbox: unknown side %q", side)
}

// CreateRecord creates a record under an organization (its id on that
// side) and returns the new record's id.
func (s *Systems) CreateRecord(ctx context.Context, side, object, org string, values map[string]any) (string, error) {
	switch side {
	case SidePSA:
		if object != "configuration" {
			return "", fmt.Errorf("sandbox: creating %s not supported", object)
		}
		orgID, err := strconv.ParseInt(org, 10, 64)
		if err != nil {
			return "", fmt.Errorf("sandbox: organization id %q: %w", org, err)
		}
		body := map[string]any{"company": map[string]any{"id": orgID}}
		for f, v := range values {
			switch f {
			case "configuration_type", "configuration_status":
				ref, err := s.psaRef(ctx, f, v.(string))
				if err != nil {
					return "", err
				}
				body[map[string]string{"configuration_type": "type", "configuration_status": "status"}[f]] = ref
			default:
				p, ok := psaPaths[object][f]
				if !ok {
					return "", fmt.Errorf("sandbox: field %s.%s not supported", object, f)
				}
				body[p] = nullable(v)
			}
		}
		var out map[string]any
		if err := s.cw(ctx, http.MethodPost, psaLists[object], body, &out); err != nil {
			return "", err
		}
		return idString(out["id"]), nil
	case SideDoc:
		attrs, err := s.docAttributes(ctx, object, values)
		if err != nil {
			return "", err
		}
		body := map[string]any{"data": map[string]any{"type": object + "s", "attributes": attrs}}
		var out struct {
			Data struct {
				ID string `json:"id"`
			} `json:"data"`
		}
		h := http.Header{"x-api-key": {s.ITGlue.Credentials().APIKey}, "Content-Type": {"application/vnd.api+json"}}
		if err := send(ctx, http.MethodPost, s.itgServer.URL+"/organizations/"+org+"/relationships/"+object+"s", h, body, &out); err != nil {
			return "", err
		}
		return out.Data.ID, nil
	}
	return "", fmt.Errorf("sandbox: unknown side %q", side)
}

// DeleteRecord deletes a record on one side.
func (s *Systems) DeleteRecord(ctx context.Context, side, object, id string) error {
	switch side {
	case SidePSA:
		return s.cw(ctx, http.MethodDelete, psaLists[object]+"/"+id, nil, nil)
	case SideDoc:
		return s.itg(ctx, http.MethodDelete, docLists[object]+"/"+id, nil)
	}
	return fmt.Errorf("sandbox: unknown side %q", side)
}

func (s *Systems) docAttributes(ctx context.Context, object string, values map[string]any) (map[string]any, error) {
	attrs := map[string]any{}
	for f, v := range values {
		switch f {
		case "configuration_type", "configuration_status":
			path := map[string]string{"configuration_type": "/configuration_types", "configuration_status": "/configuration_statuses"}[f]
			id, err := s.docLookup(ctx, path, v.(string))
			if err != nil {
				return nil, err
			}
			attrs[map[string]string{"configuration_type": "configuration-type-id", "configuration_status": "configuration-status-id"}[f]] = id
		case "emails":
			list := []any{}
			for i, e := range v.([]string) {
				list = append(list, map[string]any{"value": e, "label-name": "Work", "primary": i == 0})
			}
			attrs["contact-emails"] = list
		default:
			p, ok := docAttrs[object][f]
			if !ok {
				return nil, fmt.Errorf("sandbox: field %s.%s not supported", object, f)
			}
			attrs[p] = nullable(v)
		}
	}
	return attrs, nil
}

// psaRef is the PSA's reference object for a configuration type or status
// name.
func (s *Systems) psaRef(ctx context.Context, field, name string) (map[string]any, error) {
	path, label := "/company/configurations/types", "name"
	if field == "configuration_status" {
		path, label = "/company/configurations/statuses", "description"
	}
	var rows []map[string]any
	if err := s.cw(ctx, http.MethodGet, path+"?pageSize=1000", nil, &rows); err != nil {
		return nil, err
	}
	for _, r := range rows {
		if r[label] == name {
			return map[string]any{"id": r["id"]}, nil
		}
	}
	return nil, fmt.Errorf("sandbox: no %s %q", field, name)
}

func (s *Systems) docLookup(ctx context.Context, path, name string) (any, error) {
	var doc struct {
		Data []struct {
			ID         string         `json:"id"`
			Attributes map[string]any `json:"attributes"`
		} `json:"data"`
	}
	if err := s.itgGet(ctx, path+"?page[size]=1000", &doc); err != nil {
		return nil, err
	}
	for _, d := range doc.Data {
		if d.Attributes["name"] == name {
			n, err := strconv.ParseInt(d.ID, 10, 64)
			if err != nil {
				return d.ID, nil
			}
			return n, nil
		}
	}
	return nil, fmt.Errorf("sandbox: no %s named %q", path, name)
}

func (s *Systems) itgGet(ctx context.Context, path string, out any) error {
	h := http.Header{"x-api-key": {s.ITGlue.Credentials().APIKey}}
	u, err := url.Parse(s.itgServer.URL + path)
	if err != nil {
		return err
	}
	u.RawQuery = u.Query().Encode()
	return send(ctx, http.MethodGet, u.String(), h, nil, out)
}

func idString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case float64:
		return strconv.FormatInt(int64(x), 10)
	case string:
		return x
	}
	return fmt.Sprint(v)
}

func str(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

func sub(v any, key string) any {
	if m, ok := v.(map[string]any); ok {
		return m[key]
	}
	return nil
}

func nullable(v any) any {
	if s, ok := v.(string); ok && s == "" {
		return nil
	}
	return v
}
