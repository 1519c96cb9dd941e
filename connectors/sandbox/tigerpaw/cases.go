package tigerpaw

import (
	"fmt"

	"mapsync/connectors/sandbox/msp"
)

// Seed cases: the records Seed renders so that one Tigerpaw rule each has
// something to act on (SeedCases lists their generator keys).
const (
	// CaseAccountPhoneExtension: accounts whose primary (Main) phone has an
	// extension (the derived location's phone drops it).
	CaseAccountPhoneExtension = "account-primary-phone-extension"
	// CaseAccountPrimaryNotFirst: accounts whose first phone is a
	// non-primary Toll Free number listed before the primary Main one.
	CaseAccountPrimaryNotFirst = "account-primary-phone-not-first"
	// CaseContactPhoneTypes: active contacts with phones of two or more
	// types (one entry per type, one primary).
	CaseContactPhoneTypes = "contact-several-phone-types"
	// CaseContactAccountAddress: active contacts whose address block
	// equals their account's.
	CaseContactAccountAddress = "contact-account-address"
	// CaseContactOwnAddress: active contacts with an address of their own
	// (a secondary site of the company).
	CaseContactOwnAddress = "contact-own-address"
	// CaseContactNoAddress: active contacts without an address block.
	CaseContactNoAddress = "contact-no-address"
	// CaseContactsSharedAddress: two active contacts of one account with
	// the same address, not the account's (derived locations must dedupe).
	CaseContactsSharedAddress = "contacts-shared-address"
	// CaseContactInactive: inactive contacts (a sync of active contacts
	// leaves them out).
	CaseContactInactive = "contact-inactive"
)

// plan is what Seed adds to or adjusts in the generated data, decided
// from the data set alone so that SeedCases and Seed agree.
type plan struct {
	ext      map[string]string   // company key → extension of its Main phone
	tollFree map[string]string   // company key → Toll Free number listed first
	site     map[string]msp.Site // contact key → the site its address comes from
	inactive map[string]bool     // contact key → rendered inactive
	addrNone map[string]bool     // contact key → rendered without an address
	fax      map[string]string   // contact key → a Fax number added
	mobile   map[string]string   // contact key → a Mobile number added
	cases    []msp.EdgeCase
}

// SeedCases returns the seed cases of d: for each Case* name, the keys of
// the records Seed renders for it (contact keys, or company keys for the
// account cases). All are present when d has at least three companies and
// one of them two sites and two active contacts.
func SeedCases(d *msp.Dataset) []msp.EdgeCase { return newPlan(d).cases }

func newPlan(d *msp.Dataset) *plan {
	p := &plan{ext: map[string]string{}, tollFree: map[string]string{},
		site: map[string]msp.Site{}, inactive: map[string]bool{}, addrNone: map[string]bool{}, fax: map[string]string{}, mobile: map[string]string{}}
	edge := map[string]bool{} // keys the msp edge cases use: left as generated
	for _, e := range d.EdgeCases {
		for _, k := range e.Keys {
			edge[k] = true
		}
	}
	cs := d.PSA.Companies
	add := func(name, note string, keys ...string) {
		for i := range p.cases {
			if p.cases[i].Name == name {
				p.cases[i].Keys = append(p.cases[i].Keys, keys...)
				return
			}
		}
		p.cases = append(p.cases, msp.EdgeCase{Name: name, Side: "psa", Keys: keys, Note: note})
	}
	for i, c := range cs {
		if i%3 == 0 {
			p.ext[c.Key] = fmt.Sprintf("%d", 100+(i*37)%900)
			add(CaseAccountPhoneExtension, "the account's primary Main phone has an extension", c.Key)
		}
		if i%5 == 2 {
			p.tollFree[c.Key] = fmt.Sprintf("(800) 555-%04d", (i*7919)%10000)
			add(CaseAccountPrimaryNotFirst, "a non-primary Toll Free number is listed before the primary Main number", c.Key)
		}
		for j, ct := range c.Contacts {
			p.site[ct.Key] = siteOf(&c, ct.SiteKey)
			if ct.Inactive {
				p.inactive[ct.Key] = true
			}
			if st := p.site[ct.Key]; st.Fax != "" && j%4 == 1 {
				p.fax[ct.Key] = st.Fax
			}
		}
	}
	// Two active contacts sharing a secondary site: found, else placed.
	shared := p.findShared(cs)
	if shared == nil {
		shared = p.placeShared(cs, edge)
	}
	// Contacts at the primary site: every third one has no address.
	for _, c := range cs {
		for j, ct := range c.Contacts {
			if p.site[ct.Key].Primary && j%3 == 2 && !edge[ct.Key] {
				p.addrNone[ct.Key] = true
			}
		}
	}
	if len(p.inactive) == 0 {
		p.placeInactive(cs, edge, shared)
	}
	if !p.hasPhoneTypes(cs) {
		p.placeMobile(cs, edge)
	}
	if shared != nil {
		add(CaseContactsSharedAddress, "two active contacts of one account share an address that is not the account's", shared...)
	}
	for _, c := range cs {
		for _, ct := range c.Contacts {
			switch {
			case p.inactive[ct.Key]:
				add(CaseContactInactive, "inactive contact", ct.Key)
				continue
			case p.addrNone[ct.Key]:
				add(CaseContactNoAddress, "active contact without an address block", ct.Key)
			case p.site[ct.Key].Primary:
				add(CaseContactAccountAddress, "active contact whose address equals the account's", ct.Key)
			default:
				add(CaseContactOwnAddress, "active contact with an address of its own", ct.Key)
			}
			if len(p.phoneTypes(ct)) >= 2 {
				add(CaseContactPhoneTypes, "active contact with phones of two or more types", ct.Key)
			}
		}
	}
	return p
}

// siteOf returns the company's site with this key, or its first site.
func siteOf(c *msp.Company, key string) msp.Site {
	for _, s := range c.Sites {
		if s.Key == key {
			return s
		}
	}
	if len(c.Sites) > 0 {
		return c.Sites[0]
	}
	return msp.Site{}
}

func (p *plan) findShared(cs []msp.Company) []string {
	for _, c := range cs {
		bySite := map[string]string{}
		for _, ct := range c.Contacts {
			k := p.site[ct.Key].Key
			if ct.Inactive || p.site[ct.Key].Primary {
				continue
			}
			if first, ok := bySite[k]; ok {
				return []string{first, ct.Key}
			}
			bySite[k] = ct.Key
		}
	}
	return nil
}

// placeShared moves the last two active, non-edge contacts of the first
// company with a secondary site to that site; when no company has one, the
// first company with two such contacts gets them an address of their own
// (a remote office in the primary site's city).
func (p *plan) placeShared(cs []msp.Company, edge map[string]bool) []string {
	pick := func(c msp.Company) []string {
		var picked []string
		for j := len(c.Contacts) - 1; j >= 0 && len(picked) < 2; j-- {
			if ct := c.Contacts[j]; !ct.Inactive && !edge[ct.Key] {
				picked = append([]string{ct.Key}, picked...)
			}
		}
		if len(picked) < 2 {
			return nil
		}
		return picked
	}
	for _, secondary := range []bool{true, false} {
		for i, c := range cs {
			if len(c.Sites) == 0 || (secondary && len(c.Sites) < 2) {
				continue
			}
			picked := pick(c)
			if picked == nil {
				continue
			}
			var st msp.Site
			if secondary {
				st = c.Sites[1]
			} else {
				st = c.Sites[0]
				st.Key, st.Name, st.Primary = c.Key+"-remote", "Remote Office", false
				st.Address1, st.Address2 = fmt.Sprintf("%d Harbor View Rd", 200+i), "Home Office"
			}
			for _, k := range picked {
				p.site[k] = st
			}
			return picked
		}
	}
	return nil
}

// placeInactive renders one contact inactive when the data set has none.
func (p *plan) placeInactive(cs []msp.Company, edge map[string]bool, shared []string) {
	for _, c := range cs {
		for j, ct := range c.Contacts {
			if j > 0 && !edge[ct.Key] && !contains(shared, ct.Key) {
				p.inactive[ct.Key] = true
				return
			}
		}
	}
}

// phoneTypes lists the distinct phone types a contact is rendered with.
func (p *plan) phoneTypes(ct msp.Contact) []string {
	var out []string
	seen := map[string]bool{}
	for _, ph := range ct.Phones {
		t := phoneType(ph.Type)
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	if p.fax[ct.Key] != "" && !seen["Fax"] {
		out = append(out, "Fax")
		seen["Fax"] = true
	}
	if p.mobile[ct.Key] != "" && !seen["Mobile"] {
		out = append(out, "Mobile")
	}
	return out
}

func (p *plan) hasPhoneTypes(cs []msp.Company) bool {
	for _, c := range cs {
		for _, ct := range c.Contacts {
			if !p.inactive[ct.Key] && len(p.phoneTypes(ct)) >= 2 {
				return true
			}
		}
	}
	return false
}

// placeMobile gives one active contact a mobile number when no contact
// has two phone types.
func (p *plan) placeMobile(cs []msp.Company, edge map[string]bool) {
	for i, c := range cs {
		for j, ct := range c.Contacts {
			if !p.inactive[ct.Key] && !edge[ct.Key] {
				p.mobile[ct.Key] = fmt.Sprintf("(555) 010-%02d%02d", i%100, j%100)
				return
			}
		}
	}
}

// phoneType maps a generator phone type to a Tigerpaw phone type.
func phoneType(t string) string {
	switch t {
	case "Work":
		return "Business"
	case "":
		return "Other"
	}
	if c, ok := canonical("phonetypes", t); ok {
		return c
	}
	return "Other"
}
