package local

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"mapsync/connectors/sandbox/connectwise"
	"mapsync/connectors/sandbox/itglue"
	"mapsync/connectors/sandbox/msp"
)

// Change is one edit DemoChanges made.
type Change struct {
	System string // "ConnectWise" or "IT Glue"
	What   string
	// Route is the documentation system's write route the change leads
	// to, for a fault aimed at it ("" when none).
	Route string
}

// DemoChanges edits both systems the way a user would, through their HTTP
// APIs: in ConnectWise it renames a company, changes a configuration's
// serial number and adds a configuration; in IT Glue it changes a
// contact's title. It picks an active customer that exists on both sides.
func (s *Systems) DemoChanges(ctx context.Context) ([]Change, error) {
	co, err := s.demoCompany()
	if err != nil {
		return nil, err
	}
	var out []Change
	_, cid, _ := s.ConnectWise.IDForKey(co.Key)
	name := co.Name + " Group"
	if err := s.cw(ctx, http.MethodPatch, "/company/companies/"+strconv.FormatInt(cid, 10),
		[]map[string]any{{"op": "replace", "path": "/name", "value": name}}, nil); err != nil {
		return nil, err
	}
	out = append(out, Change{System: "ConnectWise", What: fmt.Sprintf("renamed company %q to %q", co.Name, name)})

	cfg := co.Configs[0]
	_, cfgID, _ := s.ConnectWise.IDForKey(cfg.Key)
	var current map[string]any
	if err := s.cw(ctx, http.MethodGet, "/company/configurations/"+strconv.FormatInt(cfgID, 10), nil, &current); err != nil {
		return nil, err
	}
	serial := "DEMO-" + strconv.FormatInt(cfgID, 10)
	if err := s.cw(ctx, http.MethodPatch, "/company/configurations/"+strconv.FormatInt(cfgID, 10),
		[]map[string]any{{"op": "replace", "path": "/serialNumber", "value": serial}}, nil); err != nil {
		return nil, err
	}
	out = append(out, Change{System: "ConnectWise", What: fmt.Sprintf("set the serial number of configuration %q to %s", cfg.Name, serial)})

	newName := "DEMO-WS-" + strconv.FormatInt(cfgID, 10)
	body := map[string]any{"name": newName, "type": current["type"], "status": current["status"],
		"company": map[string]any{"id": cid}, "serialNumber": "DEMO-NEW-1"}
	if err := s.cw(ctx, http.MethodPost, "/company/configurations", body, nil); err != nil {
		return nil, err
	}
	out = append(out, Change{System: "ConnectWise", What: fmt.Sprintf("added configuration %q to %q", newName, name),
		Route: "POST /organizations/*/relationships/configurations"})

	for _, ct := range co.Contacts {
		typ, id, ok := s.ITGlue.IDForKey(ct.Key)
		if !ok || typ != "contacts" {
			continue
		}
		title := "Head of IT"
		if ct.Title == title {
			title = "IT Director"
		}
		doc := map[string]any{"data": map[string]any{"type": "contacts", "attributes": map[string]any{"title": title}}}
		if err := s.itg(ctx, http.MethodPatch, "/contacts/"+id, doc); err != nil {
			return nil, err
		}
		out = append(out, Change{System: "IT Glue", What: fmt.Sprintf("set the title of contact %s %s to %q", ct.FirstName, ct.LastName, title)})
		break
	}
	return out, nil
}

// demoCompany is an active customer with configurations that exists on
// both sides (so it is linked after the first sync).
func (s *Systems) demoCompany() (msp.Company, error) {
	docKeys := map[string]bool{}
	for _, c := range s.Data.Doc.Companies {
		docKeys[c.Key] = true
	}
	for _, c := range s.Data.PSA.Companies {
		if c.Type == "Customer" && c.Status == "Active" && len(c.Configs) > 0 && len(c.Contacts) > 0 && docKeys[c.Key] {
			return c, nil
		}
	}
	return msp.Company{}, fmt.Errorf("sandbox: no active customer on both sides to edit")
}

func (s *Systems) cw(ctx context.Context, method, path string, body, out any) error {
	cred := s.ConnectWise.Credentials()
	h := http.Header{"Authorization": {cred.Authorization()}, "clientId": {cred.ClientID}, "Content-Type": {"application/json"}}
	return send(ctx, method, s.cwServer.URL+connectwise.Base+path, h, body, out)
}

func (s *Systems) itg(ctx context.Context, method, path string, body any) error {
	h := http.Header{itglue.APIKeyHeader: {s.ITGlue.Credentials().APIKey}, "Content-Type": {"application/vnd.api+json"}}
	return send(ctx, method, s.itgServer.URL+path, h, body, nil)
}

func send(ctx context.Context, method, url string, h http.Header, body, out any) error {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, r)
	if err != nil {
		return err
	}
	req.Header = h
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("sandbox: %s %s: %w", method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("sandbox: %s %s: HTTP %d: %s", method, req.URL.Path, resp.StatusCode, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// ChangeConfigurations sets a new serial number on n of the PSA's
// configurations (spread over the companies), through its HTTP API.
func (s *Systems) ChangeConfigurations(ctx context.Context, n int, tag string) error {
	var keys []string
	for _, c := range s.Data.PSA.Companies {
		for _, cf := range c.Configs {
			keys = append(keys, cf.Key)
		}
	}
	if n > len(keys) {
		n = len(keys)
	}
	for i := 0; i < n; i++ {
		_, id, ok := s.ConnectWise.IDForKey(keys[i*len(keys)/n])
		if !ok {
			continue
		}
		path := "/company/configurations/" + strconv.FormatInt(id, 10)
		if err := s.cw(ctx, http.MethodPatch, path, []map[string]any{{"op": "replace", "path": "/serialNumber", "value": tag + "-" + strconv.Itoa(i)}}, nil); err != nil {
			return err
		}
	}
	return nil
}
