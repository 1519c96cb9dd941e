package bms

import (
	"testing"

	"mapsync/connectors/sandbox/msp"
)

func TestSeedMirrorsTheDataset(t *testing.T) {
	h := newEnv(t, 25, Options{})
	n := h.d.PSA.Count()
	for coll, want := range map[string]int{"accounts": n.Companies, "locations": n.Sites, "contacts": n.Contacts, "hardwareassets": n.Configs, "tickets": n.Tickets} {
		if got := h.sb.Count(coll); got != want {
			t.Errorf("%s: %d, want %d", coll, got, want)
		}
	}
	mains := map[int64]int{}
	for _, l := range h.sb.res["locations"].table.All() {
		if b, _ := l.Data["IsMain"].(bool); b {
			mains[intOf(l.Data, "AccountId")]++
		}
	}
	parents := 0
	for _, c := range h.d.PSA.Companies {
		acct := h.id(c.Key)
		if len(c.Sites) > 0 && mains[acct] != 1 {
			t.Errorf("account %d has %d main locations", acct, mains[acct])
		}
		a := mustOK(t, h.call("GET", "/crm/accounts/summary/"+itoa(acct), nil)).result(t)
		if a["AccountName"] != c.Name || a["AccountType"] != c.Type || a["IsActive"] != (c.Status == msp.StatusActive) {
			t.Errorf("%s: %v", c.Key, a)
		}
		if c.ParentKey != "" {
			parents++
			if num(t, a["ParentId"]) != h.id(c.ParentKey) {
				t.Errorf("%s: ParentId %v, want %d", c.Key, a["ParentId"], h.id(c.ParentKey))
			}
		}
		for _, ct := range c.Contacts {
			got := mustOK(t, h.call("GET", "/crm/contacts/"+itoa(h.id(ct.Key)), nil)).result(t)
			if got["FirstName"] != ct.FirstName || num(t, got["AccountId"]) != acct || got["LocationId"] == nil {
				t.Errorf("%s: %v", ct.Key, got)
			}
			if len(got["Phones"].([]any)) != len(ct.Phones) || len(got["Emails"].([]any)) != len(ct.Emails) {
				t.Errorf("%s: phones/emails %v %v", ct.Key, got["Phones"], got["Emails"])
			}
			for _, p := range got["Phones"].([]any) {
				if p.(map[string]any)["PhoneType"] == nil {
					t.Errorf("%s: phone without type", ct.Key)
				}
			}
		}
	}
	if parents == 0 {
		t.Error("the data set has no parent accounts; the ParentId check tested nothing")
	}
	// assets carry the configuration fields IT Glue maps
	c := h.d.PSA.Companies[0]
	cf := c.Configs[0]
	a := mustOK(t, h.call("GET", "/servicedesk/hardwareasset/"+itoa(h.id(cf.Key)), nil)).result(t)
	if a["Name"] != cf.Name || a["Category"] != cf.Type || a["State"] != cf.Status || a["SerialNumber"] != orNil(cf.SerialNumber) ||
		a["OsInfo"] != orNil(cf.OSType) || a["Manufacturer"] != orNil(cf.Manufacturer) {
		t.Errorf("asset %v from %+v", a, cf)
	}
	// closed tickets are completed; notes are under their tickets
	for _, co := range h.d.PSA.Companies {
		for _, tk := range co.Tickets {
			got := mustOK(t, h.call("GET", "/servicedesk/tickets/"+itoa(h.id(tk.Key)), nil)).result(t)
			if (got["CompletedDate"] != nil) != tk.Closed || got["StatusName"] != tk.Status || got["QueueName"] != tk.Board {
				t.Errorf("%s: %v", tk.Key, got)
			}
			notes := mustOK(t, h.call("GET", "/servicedesk/tickets/"+itoa(h.id(tk.Key))+"/notes", nil))
			if notes.total(t) != len(tk.Notes) {
				t.Errorf("%s: %d notes, want %d", tk.Key, notes.total(t), len(tk.Notes))
			}
		}
	}
}

func orNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}
