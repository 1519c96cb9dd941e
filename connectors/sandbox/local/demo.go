package local

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"mapsync/connectors/sandbox/itglue"
	"mapsync/connectors/sandbox/msp"
)

// Change is one edit DemoChanges made.
type Change struct {
	System string // the title of the system edited, e.g. "IT Glue"
	What   string
	// Route is the documentation system's write route the change leads
	// to, for a fault aimed at it ("" when none).
	Route string
}

// DemoChanges edits both systems the way a user would, through their HTTP
// APIs: in the PSA it renames a company, changes a configuration's serial
// number and adds a configuration (when the PSA keeps configurations);
// in IT Glue it changes a contact's title. It picks an active customer that exists on both sides.
func (s *Systems) DemoChanges(ctx context.Context) ([]Change, error) {
	co, err := s.demoCompany()
	if err != nil {
		return nil, err
	}
	psa := s.psa.info().Title
	var out []Change
	cid, ok := s.psa.id(co.Key)
	if !ok {
		return nil, fmt.Errorf("sandbox: company %s is not in the %s sandbox", co.Key, psa)
	}
	name := co.Name + " Group"
	if err := s.psa.editRecord(ctx, "organization", cid, map[string]any{"name": name}); err != nil {
		return nil, err
	}
	out = append(out, Change{System: psa, What: fmt.Sprintf("renamed company %q to %q", co.Name, name)})

	// A PSA that keeps no configurations (its sync has none) gets no
	// configuration edits.
	if s.psaKeeps("configuration") {
		cfg := co.Configs[0]
		cfgID, ok := s.psa.id(cfg.Key)
		if !ok {
			return nil, fmt.Errorf("sandbox: configuration %s is not in the %s sandbox", cfg.Key, psa)
		}
		serial := "DEMO-" + cfgID
		if err := s.psa.editRecord(ctx, "configuration", cfgID, map[string]any{"serial_number": serial}); err != nil {
			return nil, err
		}
		out = append(out, Change{System: psa, What: fmt.Sprintf("set the serial number of configuration %q to %s", cfg.Name, serial)})

		newName := "DEMO-WS-" + cfgID
		if _, err := s.psa.createRecord(ctx, "configuration", cid, map[string]any{
			"name": newName, "configuration_type": cfg.Type, "configuration_status": cfg.Status, "serial_number": "DEMO-NEW-1",
		}); err != nil {
			return nil, err
		}
		out = append(out, Change{System: psa, What: fmt.Sprintf("added configuration %q to %q", newName, name),
			Route: "POST /organizations/*/relationships/configurations"})
	}

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

// psaKeeps reports whether the PSA sandbox keeps records of a canonical
// object (its store counts them; a PSA without configurations does not).
func (s *Systems) psaKeeps(object string) bool {
	_, _, err := s.psa.changedSince(object, time.Time{})
	return err == nil
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

// cw sends a request to the ConnectWise sandbox, for the helpers that
// only it has (primary sites, ticket configurations): an error when
// another PSA runs.
func (s *Systems) cw(ctx context.Context, method, path string, body, out any) error {
	p, ok := s.psa.(*cwPSA)
	if !ok {
		return fmt.Errorf("sandbox: %s %s needs the ConnectWise sandbox, not %s", method, path, s.psa.info().Title)
	}
	return p.request(ctx, method, path, body, out)
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
		id, ok := s.psa.id(keys[i*len(keys)/n])
		if !ok {
			continue
		}
		if err := s.psa.changeConfiguration(ctx, id, tag+"-"+strconv.Itoa(i)); err != nil {
			return err
		}
	}
	return nil
}
