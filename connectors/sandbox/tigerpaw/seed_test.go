package tigerpaw

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"

	"mapsync/connectors/sandbox/msp"
)

// primaryPhones returns the primary entries of a phone list.
func primaryPhones(rec map[string]any) []map[string]any {
	var out []map[string]any
	for _, p := range phonesOf(rec) {
		if p["IsPrimary"] == true {
			out = append(out, p)
		}
	}
	return out
}

func TestSeedRendersCompaniesAndContacts(t *testing.T) {
	e := newEnv(t, 10)
	if e.sb.Count(Accounts) != 10 {
		t.Fatalf("%d accounts", e.sb.Count(Accounts))
	}
	for _, c := range e.d.PSA.Companies {
		a := e.byKey(c.Key)
		if a["AccountName"] != c.Name || a["AccountID"] != c.Identifier || a["AccountType"] != c.Type || a["Status"] != c.Status {
			t.Errorf("%s: %v", c.Key, a)
		}
		primary := siteOf(&c, c.Sites[0].Key)
		addr := a["Address"].(map[string]any)
		if addr["Address1"] != primary.Address1 || addr["City"] != primary.City || addr["ZipCode"] != primary.Zip || addr["Country"] != primary.Country {
			t.Errorf("%s: address %v, primary site %+v", c.Key, addr, primary)
		}
		if pp := primaryPhones(a); len(pp) != 1 || pp[0]["Number"] != c.Phone || pp[0]["Type"] != "Main" {
			t.Errorf("%s: primary phones %v", c.Key, pp)
		}
		if c.ParentKey != "" {
			_, parent, _ := e.sb.IDForKey(c.ParentKey)
			if num(a["ParentAccountNumber"]) != parent {
				t.Errorf("%s: parent %v, want %d", c.Key, a["ParentAccountNumber"], parent)
			}
		}
		for _, ct := range c.Contacts {
			r := e.byKey(ct.Key)
			if r["FirstName"] != ct.FirstName || r["LastName"] != ct.LastName || num(r["AccountNumber"]) != num(a["AccountNumber"]) {
				t.Errorf("%s: %v", ct.Key, r)
			}
			pp := primaryPhones(r)
			if len(pp) != 1 || pp[0]["Number"] != ct.Phones[0].Value || fmt.Sprint(pp[0]["Extension"]) != fmt.Sprint(str0(ct.Phones[0].Extension)) {
				t.Errorf("%s: primary phones %v, generated %+v", ct.Key, pp, ct.Phones)
			}
			if len(ct.Emails) > 0 && r["EmailAddresses"].([]any)[0].(map[string]any)["Address"] != ct.Emails[0].Value {
				t.Errorf("%s: emails %v", ct.Key, r["EmailAddresses"])
			}
		}
	}
	// The msp edge contact without e-mail has none here either.
	if ne, ok := e.d.Edge(msp.EdgeContactNoEmail); ok {
		if em := e.byKey(ne.Keys[0])["EmailAddresses"].([]any); len(em) != 0 {
			t.Errorf("contact without e-mail has %v", em)
		}
	}
}

func TestSeedCases(t *testing.T) {
	e := newEnv(t, 10)
	account := func(contactKey string) map[string]any {
		ct := e.byKey(contactKey)
		return e.one("accounts", num(ct["AccountNumber"]))
	}
	for _, k := range cases(t, e.d, CaseAccountPhoneExtension) {
		a := e.byKey(k)
		pp := primaryPhones(a)
		if len(pp) != 1 || pp[0]["Type"] != "Main" || pp[0]["Extension"] == nil {
			t.Errorf("%s: primary phone %v has no extension", k, pp)
		}
	}
	for _, k := range cases(t, e.d, CaseAccountPrimaryNotFirst) {
		ph := phonesOf(e.byKey(k))
		if len(ph) < 2 || ph[0]["IsPrimary"] != false || ph[0]["Type"] != "Toll Free" || ph[1]["IsPrimary"] != true {
			t.Errorf("%s: phones %v", k, ph)
		}
	}
	for _, k := range cases(t, e.d, CaseContactPhoneTypes) {
		ct := e.byKey(k)
		types := map[any]bool{}
		for _, p := range phonesOf(ct) {
			types[p["Type"]] = true
		}
		if len(types) < 2 || len(primaryPhones(ct)) != 1 || ct["Active"] != true {
			t.Errorf("%s: phones %v", k, ct["PhoneNumbers"])
		}
	}
	for _, k := range cases(t, e.d, CaseContactAccountAddress) {
		if ct := e.byKey(k); ct["Address"] == nil || !reflect.DeepEqual(ct["Address"], account(k)["Address"]) {
			t.Errorf("%s: address %v is not the account's", k, ct["Address"])
		}
	}
	for _, k := range cases(t, e.d, CaseContactOwnAddress) {
		if ct := e.byKey(k); ct["Address"] == nil || reflect.DeepEqual(ct["Address"], account(k)["Address"]) {
			t.Errorf("%s: address %v is not its own", k, ct["Address"])
		}
	}
	for _, k := range cases(t, e.d, CaseContactNoAddress) {
		if ct := e.byKey(k); ct["Address"] != nil || ct["Active"] != true {
			t.Errorf("%s: address %v", k, ct["Address"])
		}
	}
	for _, k := range cases(t, e.d, CaseContactInactive) {
		if ct := e.byKey(k); ct["Active"] != false {
			t.Errorf("%s: active", k)
		}
	}
	shared := cases(t, e.d, CaseContactsSharedAddress)
	if len(shared) != 2 {
		t.Fatalf("shared address case %v", shared)
	}
	a, b := e.byKey(shared[0]), e.byKey(shared[1])
	if num(a["AccountNumber"]) != num(b["AccountNumber"]) || a["Address"] == nil || !reflect.DeepEqual(a["Address"], b["Address"]) ||
		reflect.DeepEqual(a["Address"], account(shared[0])["Address"]) || a["Active"] != true || b["Active"] != true {
		t.Errorf("shared address pair:\n%v\n%v", a, b)
	}
}

// TestSeedCasesAlwaysPresent checks that every case is placed in small
// data sets too, where the generator may not produce it by chance.
func TestSeedCasesAlwaysPresent(t *testing.T) {
	names := []string{CaseAccountPhoneExtension, CaseAccountPrimaryNotFirst, CaseContactPhoneTypes, CaseContactAccountAddress,
		CaseContactOwnAddress, CaseContactNoAddress, CaseContactsSharedAddress, CaseContactInactive}
	placed := 0
	for seed := int64(1); seed <= 12; seed++ {
		d := msp.Generate(msp.Options{Seed: seed, Companies: 3, ConfigsPerCo: 1, TicketsPerCo: -1})
		got := map[string]int{}
		for _, c := range SeedCases(d) {
			got[c.Name] = len(c.Keys)
		}
		for _, n := range names {
			if got[n] == 0 {
				t.Errorf("seed %d: case %s missing", seed, n)
			}
		}
		sb := New(Options{})
		if err := sb.Seed(d); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		p := newPlan(d)
		if p.findShared(d.PSA.Companies) == nil {
			placed++
		}
		for _, k := range SeedCases(d)[0].Keys {
			if _, _, ok := sb.IDForKey(k); !ok {
				t.Errorf("seed %d: key %s not seeded", seed, k)
			}
		}
	}
	t.Logf("%d of 12 data sets needed a placed shared address", placed)
}

func TestSeedIsDeterministic(t *testing.T) {
	d := msp.Generate(msp.Options{Seed: 3, Companies: 8})
	dump := func() []byte {
		sb := New(Options{})
		if err := sb.Seed(d); err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := sb.DumpFixture(&b); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	if !bytes.Equal(dump(), dump()) {
		t.Error("seeding the same data set twice gave different fixtures")
	}
}
