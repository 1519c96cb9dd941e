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
// and fields by their canonical names, sides by role ("psa", "doc"). The
// PSA side is the PSA adapter's (psa.go). Only a subset is supported, the
// one the model-based test and the demo edit:
//
//	organization:  name
//	configuration: name, serial_number, asset_tag, notes,
//	               configuration_type, configuration_status (strings)
//	contact:       first_name, last_name, title (strings),
//	               emails ([]string: the addresses, in order)
//
// Empty values read as "" (strings) or an empty list.

// listLimiter is implemented by a PSA adapter whose records hold at most
// a few entries of a list field (one work e-mail address, say), in the
// sync of the shipped mappings: a test editing through the record API
// keeps such lists within the limit.
type listLimiter interface {
	listLimit(object, field string) int
}

// ListLimit is how many entries a list field of an object holds on one
// side (0: no limit).
func (s *Systems) ListLimit(side, object, field string) int {
	if l, ok := s.psa.(listLimiter); ok && side == SidePSA {
		return l.listLimit(object, field)
	}
	return 0
}

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

// docAttrs maps canonical fields to the documentation system's attributes.
var docAttrs = map[string]map[string]string{
	"organization":  {"name": "name"},
	"configuration": {"name": "name", "serial_number": "serial-number", "asset_tag": "asset-tag", "notes": "notes"},
	"contact":       {"first_name": "first-name", "last_name": "last-name", "title": "title"},
}

var docLists = map[string]string{"organization": "/organizations", "configuration": "/configurations", "contact": "/contacts"}

// ListRecords lists every record of an object on one side.
func (s *Systems) ListRecords(ctx context.Context, side, object string) ([]Record, error) {
	switch side {
	case SidePSA:
		return s.psa.listRecords(ctx, object)
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
		return s.psa.editRecord(ctx, object, id, values)
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
		return s.psa.createRecord(ctx, object, org, values)
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
		return s.psa.deleteRecord(ctx, object, id)
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
