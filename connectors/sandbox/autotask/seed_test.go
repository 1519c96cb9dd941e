package autotask

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"mapsync/connectors/sandbox/msp"
)

func TestSeedMatchesDataset(t *testing.T) {
	d := dataset()
	sb := New(Options{})
	if err := sb.Seed(d); err != nil {
		t.Fatal(err)
	}
	n := d.PSA.Count()
	notes := 0
	for _, c := range d.PSA.Companies {
		for _, tk := range c.Tickets {
			notes += len(tk.Notes)
		}
	}
	for entity, want := range map[string]int{
		"Companies": n.Companies, "CompanyLocations": n.Sites, "Contacts": n.Contacts, "ConfigurationItems": n.Configs,
		"Tickets": n.Tickets, "TicketNotes": notes, "Resources": len(d.Ref.Members), "ConfigurationItemTypes": len(d.Ref.ConfigurationTypes),
	} {
		if got := sb.Count(entity); got != want {
			t.Errorf("%s: %d records, want %d", entity, got, want)
		}
	}
	if sb.Count("companies") != n.Companies || sb.Count("nope") != -1 {
		t.Error("Count: names ignore case; unknown is -1")
	}

	// a company: number = identifier, address = primary site, type by picklist
	c := d.PSA.Companies[0]
	coll, id, ok := sb.IDForKey(c.Key)
	rec, _ := sb.table("Companies").Get(id)
	if !ok || coll != "Companies" {
		t.Fatalf("IDForKey(%s) = %s %d %v", c.Key, coll, id, ok)
	}
	wantType, _ := sb.pickID("Companies", "companyType", c.Type)
	prim := primarySite(&c)
	if rec.Data["companyNumber"] != c.Identifier || rec.Data["companyName"] != c.Name || num(rec.Data["companyType"]) != wantType ||
		rec.Data["address1"] != prim.Address1 || rec.Data["phone"] != c.Phone || rec.Data["isActive"] != (c.Status == msp.StatusActive) {
		t.Errorf("company %v from %+v", rec.Data, c)
	}
	// contacts: email, phone + extension, isActive 1/0, location
	for _, ct := range c.Contacts {
		_, cid, _ := sb.IDForKey(ct.Key)
		r, _ := sb.table("Contacts").Get(cid)
		_, loc, _ := sb.IDForKey(ct.SiteKey)
		email := any(nil)
		if len(ct.Emails) > 0 {
			email = ct.Emails[0].Value
		}
		if r.Data["emailAddress"] != email || r.Data["phone"] != ct.Phones[0].Value || num(r.Data["companyLocationID"]) != loc {
			t.Errorf("contact %v from %+v", r.Data, ct)
		}
		if want := map[bool]int64{true: 0, false: 1}[ct.Inactive]; num(r.Data["isActive"]) != want {
			t.Errorf("contact %s isActive %v", ct.Key, r.Data["isActive"])
		}
		if ext := ct.Phones[0].Extension; ext != "" && r.Data["extension"] != ext {
			t.Errorf("contact %s extension %v, want %s", ct.Key, r.Data["extension"], ext)
		}
	}
	// configuration items: title (or none, so the product name stands in), asset tag, serial, product
	untitled := 0
	for _, co := range d.PSA.Companies {
		for _, cf := range co.Configs {
			_, cid, _ := sb.IDForKey(cf.Key)
			r, _ := sb.table("ConfigurationItems").Get(cid)
			if r.Data["referenceTitle"] == nil {
				untitled++
			} else if r.Data["referenceTitle"] != cf.Name {
				t.Fatalf("config %s title %v", cf.Key, r.Data["referenceTitle"])
			}
			p, ok := sb.table("Products").Get(num(r.Data["productID"]))
			if !ok || p.Data["manufacturerName"] != nilIfEmpty(cf.Manufacturer) || p.Data["manufacturerProductName"] != nilIfEmpty(cf.Model) {
				t.Fatalf("config %s product %v", cf.Key, p)
			}
			if r.Data["serialNumber"] != nilIfEmpty(cf.SerialNumber) || r.Data["referenceNumber"] != nilIfEmpty(cf.AssetTag) {
				t.Fatalf("config %s: %v", cf.Key, r.Data)
			}
		}
	}
	if untitled == 0 || untitled > n.Configs/5 {
		t.Errorf("%d of %d configuration items without a reference title", untitled, n.Configs)
	}
	// edge cases keep their names
	ec, _ := d.Edge("config-duplicate-name-type")
	for _, k := range ec.Keys {
		_, cid, _ := sb.IDForKey(k)
		if r, _ := sb.table("ConfigurationItems").Get(cid); r.Data["referenceTitle"] == nil {
			t.Errorf("edge case %s lost its title", k)
		}
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func TestFixtureRoundTrip(t *testing.T) {
	e := newEnv(t, Options{})
	_, cid, _ := e.sb.IDForKey("c0001")
	e.ok("PATCH", "/Companies", map[string]any{"id": cid, "fax": "555-0000"})
	var a bytes.Buffer
	if err := e.sb.DumpFixture(&a); err != nil {
		t.Fatal(err)
	}
	sb2 := New(Options{})
	if err := sb2.LoadFixture(bytes.NewReader(a.Bytes())); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := sb2.DumpFixture(&b); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Fatal("dump, load, dump differ")
	}
	if _, id, ok := sb2.IDForKey("c0001"); !ok || id != cid {
		t.Fatal("keys lost")
	}
	// the loaded sandbox serves and writes (numbers come back as json.Number)
	r1, _ := e.sb.table("Companies").Get(cid)
	r2, _ := sb2.table("Companies").Get(cid)
	j1, _ := r1.JSON()
	j2, _ := r2.JSON()
	if string(j1) != string(j2) || !strings.Contains(string(j2), `"fax":"555-0000"`) {
		t.Fatalf("rendered differently:\n%s\n%s", j1, j2)
	}
	if err := sb2.LoadFixture(strings.NewReader(`{"format":"other"}`)); err == nil {
		t.Fatal("a fixture of another format was accepted")
	}
}

func TestChangedSince(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	e := newEnv(t, Options{Clock: func() time.Time { return now }})
	if r, _ := e.sb.ChangedSince("ConfigurationItems", now.Add(-time.Second)); r != 0 {
		t.Fatalf("%d changed before any write", r)
	}
	_, cid, _ := e.sb.IDForKey("c0001")
	e.ok("POST", "/Companies/"+itoa(cid)+"/Locations", map[string]any{"name": "X"})
	e.ok("POST", "/Companies/"+itoa(cid)+"/Locations", map[string]any{"name": "Y"})
	if r, p := e.sb.ChangedSince("CompanyLocations", now.Add(-time.Second)); r != 2 || p != 1 {
		t.Fatalf("locations changed %d in %d companies", r, p)
	}
	all, _ := e.sb.ChangedSince("Companies", time.Time{})
	if all != e.sb.Count("Companies") {
		t.Fatal("zero since counts every record")
	}
	if !slices.Contains(e.sb.Collections(), "TicketNotes") {
		t.Fatal("collections")
	}
}
