package msp

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGenerateDeterministic(t *testing.T) {
	opts := Options{Seed: 42, Companies: 60}
	a, b := mustJSON(t, Generate(opts)), mustJSON(t, Generate(opts))
	if !bytes.Equal(a, b) {
		t.Fatal("same options gave different data sets")
	}
	if c := mustJSON(t, Generate(Options{Seed: 43, Companies: 60})); bytes.Equal(a, c) {
		t.Fatal("different seeds gave the same data set")
	}
}

func TestGenerateDefaults(t *testing.T) {
	d := Generate(Options{Seed: 1})
	n := d.PSA.Count()
	if n.Companies != 200 {
		t.Errorf("companies = %d, want 200", n.Companies)
	}
	// 200 × 25 allocated plus the edge-case extras.
	if n.Configs < 5000 || n.Configs > 5100 {
		t.Errorf("configs = %d, want about 5000", n.Configs)
	}
	if n.Contacts < 900 || n.Contacts > 1500 || n.Sites < 300 || n.Sites > 500 || n.Tickets < 700 || n.Tickets > 1300 {
		t.Errorf("counts %+v outside the expected ranges", n)
	}
	if got, want := d.Doc.Count().Companies, 60+4+1; got != want { // 30% overlap + 200/50 doc-only + 1 near duplicate
		t.Errorf("doc companies = %d, want %d", got, want)
	}
}

func TestGenerateScales(t *testing.T) {
	if testing.Short() {
		t.Skip("large data set")
	}
	d := Generate(Options{Seed: 7, Companies: 1000})
	if n := d.PSA.Count().Configs; n < 25000 {
		t.Fatalf("configs = %d, want at least 25000", n)
	}
}

var (
	macRe      = regexp.MustCompile(`^[0-9A-F]{2}(:[0-9A-F]{2}){5}$`)
	otherMACRe = regexp.MustCompile(`^([0-9A-F]{2}(-[0-9A-F]{2}){5}|[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}|[0-9a-f]{12})$`) // the RMM spellings
	nameRe     = regexp.MustCompile(`^[A-Z]{2,4}-(DC|FS|APP|SQL|HV|RDS|SRV|WS-|LT-|FW|SW|AP|PRN|UPS|NAS|BYOD-)\d`)
)

func TestGeneratedRecordsLookReal(t *testing.T) {
	d := Generate(Options{Seed: 3, Companies: 40})
	names := map[string]bool{}
	for _, c := range d.PSA.Companies {
		if names[strings.ToLower(c.Name)] {
			t.Errorf("company name %q repeated", c.Name)
		}
		names[strings.ToLower(c.Name)] = true
		if c.Identifier == "" || len(c.Identifier) > 25 || strings.Contains(c.Identifier, " ") {
			t.Errorf("identifier %q", c.Identifier)
		}
		if len(c.Sites) == 0 || !c.Sites[0].Primary {
			t.Errorf("%s: no primary site", c.Key)
		}
		dom := strings.TrimPrefix(c.Website, "www.")
		for _, ct := range c.Contacts {
			for _, e := range ct.Emails {
				if !strings.HasSuffix(e.Value, "@"+dom) {
					t.Errorf("%s: e-mail %q not on %s", ct.Key, e.Value, dom)
				}
			}
		}
		for _, cf := range c.Configs {
			if cf.Type == CfgPersonal || isEdgeKey(d, cf.Key) {
				continue
			}
			if !nameRe.MatchString(cf.Name) {
				t.Errorf("%s: name %q does not follow the naming convention", cf.Key, cf.Name)
			}
			if !macRe.MatchString(cf.MACAddress) && !otherMACRe.MatchString(cf.MACAddress) {
				t.Errorf("%s: MAC %q", cf.Key, cf.MACAddress)
			}
			if cf.Manufacturer == "" || cf.Model == "" {
				t.Errorf("%s: no manufacturer/model", cf.Key)
			}
		}
	}
}

func isEdgeKey(d *Dataset, key string) bool {
	for _, e := range d.EdgeCases {
		for _, k := range e.Keys {
			if k == key {
				return true
			}
		}
	}
	return false
}

func TestEdgeCases(t *testing.T) {
	d := Generate(Options{Seed: 11, Companies: 30})
	cfgs := func(name string) []*Configuration {
		e, ok := d.Edge(name)
		if !ok {
			t.Fatalf("edge case %q missing", name)
		}
		var out []*Configuration
		for _, k := range e.Keys {
			_, c := d.PSA.Config(k)
			if c == nil {
				t.Fatalf("%s: key %q not found", name, k)
			}
			out = append(out, c)
		}
		return out
	}
	company := func(key string) *Company { return d.PSA.Company(key) }

	dup := cfgs(EdgeConfigDupNameType)
	if a, b := dup[0], dup[1]; a.Name != b.Name || a.Type != b.Type || a.SerialNumber != b.SerialNumber || a.MACAddress != b.MACAddress || !a.Created.Before(b.Created) {
		t.Errorf("duplicate name/type: %+v vs %+v", a, b)
	}
	ser := cfgs(EdgeConfigOtherSerial)
	if a, b := ser[0], ser[1]; a.Name != b.Name || a.Type != b.Type || a.SerialNumber == b.SerialNumber {
		t.Errorf("same name other serial: %q/%q %q/%q", a.Name, b.Name, a.SerialNumber, b.SerialNumber)
	}
	mac := cfgs(EdgeConfigOtherMAC)
	if a, b := mac[0], mac[1]; a.Name != b.Name || a.SerialNumber != b.SerialNumber || a.MACAddress == b.MACAddress {
		t.Errorf("same serial other MAC: %+v vs %+v", a, b)
	}
	multi := cfgs(EdgeConfigMultiMAC)
	if multi[0].MACAddress != "00:1A:2B:3C:4D:5E, 00:1A:2B:3C:4D:5F" {
		t.Errorf("multi MAC %q", multi[0].MACAddress)
	}
	for _, c := range cfgs(EdgeConfigMACOver17) {
		if len(c.MACAddress) <= 17 {
			t.Errorf("%s: MAC %q is not over 17 characters", c.Key, c.MACAddress)
		}
	}
	for _, c := range cfgs(EdgeConfigNoSerial) {
		if c.SerialNumber != "" || c.MACAddress != "" {
			t.Errorf("%s: serial %q MAC %q", c.Key, c.SerialNumber, c.MACAddress)
		}
	}
	types := map[string]bool{}
	for _, c := range cfgs(EdgeConfigUnsyncedType) {
		types[c.Type] = true
	}
	if !types[CfgPersonal] || !types[CfgScanner] {
		t.Errorf("unsynced types %v", types)
	}
	statuses := map[string]bool{}
	for _, c := range cfgs(EdgeConfigUnsyncedStatus) {
		statuses[c.Status] = true
	}
	if !statuses[CfgStatusRetired] || !statuses[CfgStatusInactive] {
		t.Errorf("unsynced statuses %v", statuses)
	}
	if c := company("c0005"); c.Type != TypeProspect {
		t.Errorf("c0005 type %q", c.Type)
	}
	if c := company("c0006"); c.Type != TypeVendor {
		t.Errorf("c0006 type %q", c.Type)
	}
	if c := company("c0007"); c.Status != StatusInactive {
		t.Errorf("c0007 status %q", c.Status)
	}
	if c := company("c0004"); c.ParentKey != "c0003" {
		t.Errorf("c0004 parent %q", c.ParentKey)
	}
	e, _ := d.Edge(EdgeContactSameName)
	_, a := d.PSA.Contact(e.Keys[0])
	cb, b := d.PSA.Contact(e.Keys[1])
	ca, _ := d.PSA.Contact(e.Keys[0])
	if a.FirstName != b.FirstName || a.LastName != b.LastName || ca.Key == cb.Key {
		t.Errorf("same-name contacts %+v %+v", a, b)
	}
	e, _ = d.Edge(EdgeContactNoEmail)
	if _, c := d.PSA.Contact(e.Keys[0]); c == nil || len(c.Emails) != 0 {
		t.Errorf("contact without e-mail: %+v", c)
	}
	// Doc side: overlapping companies share the PSA name; doc-only ones do not.
	psaNames := map[string]bool{}
	for _, c := range d.PSA.Companies {
		psaNames[c.Name] = true
	}
	e, _ = d.Edge(EdgeDocOverlap)
	if len(e.Keys) != 9 { // round(0.3 × 30)
		t.Errorf("overlap companies = %d, want 9", len(e.Keys))
	}
	for _, k := range e.Keys {
		if c := d.Doc.Company(k); c == nil || !psaNames[c.Name] {
			t.Errorf("overlap company %s not found by name", k)
		}
	}
	e, _ = d.Edge(EdgeDocNearDuplicate)
	if c := d.Doc.Company(e.Keys[0]); c == nil || psaNames[c.Name] {
		t.Errorf("near duplicate %+v must not have an exact PSA name", c)
	}
	e, _ = d.Edge(EdgeDocDuplicate)
	_, x := d.Doc.Config(e.Keys[0])
	_, y := d.Doc.Config(e.Keys[1])
	if x == nil || y == nil || x.Name != y.Name || !x.Created.Before(y.Created) {
		t.Errorf("doc duplicate %+v %+v", x, y)
	}
	if e, ok := d.Edge(EdgeDocDiffers); !ok || len(e.Keys) == 0 {
		t.Error("no doc-differs records")
	}
}

func TestSmallDataSets(t *testing.T) {
	for _, n := range []int{1, 2, 5} {
		d := Generate(Options{Seed: 1, Companies: n, ConfigsPerCo: 2, ContactsPerCo: -1})
		if got := len(d.PSA.Companies); got != n {
			t.Errorf("n=%d: %d companies", n, got)
		}
	}
}
