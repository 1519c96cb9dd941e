package msp

import (
	"fmt"
	"strings"
	"time"
)

// companyKey is the generator key of the i-th PSA company (1-based).
func companyKey(i int) string { return fmt.Sprintf("c%04d", i) }

// company generates the i-th PSA company with nCfg configurations.
func (g *gen) company(i, nCfg int) Company {
	home := g.home()
	name := g.companyName()
	c := Company{
		Key:        companyKey(i),
		Identifier: g.identifier(name),
		Name:       name,
		Type:       g.companyType(),
		Status:     g.companyStatus(),
	}
	c.Created = g.daysAgo(60, 6*365)
	c.Updated = g.between(c.Created, g.now)
	dom := g.domain(name, home.Country)
	c.Website = "www." + dom
	c.Sites = g.sites(c.Key, home, c.Created)
	c.Phone = c.Sites[0].Phone
	c.Fax = c.Sites[0].Fax
	c.Contacts = g.contacts(c.Key, dom, c.Sites, c.Created)
	c.Configs = g.configs(c.Key, code(name), nCfg, c.Sites, c.Contacts, c.Created)
	c.Tickets = g.tickets(c.Key, c.Contacts, c.Configs)
	return c
}

func (g *gen) companyType() string {
	switch u := g.rng.Float64(); {
	case u < 0.85:
		return TypeCustomer
	case u < 0.92:
		return TypeProspect
	case u < 0.96:
		return TypeVendor
	default:
		return TypePartner
	}
}

func (g *gen) companyStatus() string {
	switch u := g.rng.Float64(); {
	case u < 0.92:
		return StatusActive
	case u < 0.98:
		return StatusInactive
	default:
		return StatusNotAppr
	}
}

func (g *gen) sites(key string, home city, created time.Time) []Site {
	n := g.vary(g.opts.SitesPerCo)
	if n < 1 {
		n = 1
	}
	var out []Site
	for j := 1; j <= n; j++ {
		c := home
		name := "Main"
		if j > 1 {
			name = secondarySiteNames[(j-2)%len(secondarySiteNames)]
			if g.chance(0.5) {
				c = pick(g, citiesOf(home.Country))
			}
		}
		s := Site{
			Key:      fmt.Sprintf("%s-site-%d", key, j),
			Name:     name,
			Address1: g.street(c),
			Address2: g.address2(c),
			City:     c.Name,
			State:    c.Region,
			Zip:      g.zip(c),
			Country:  c.Country,
			Phone:    g.phone(c),
			Primary:  j == 1,
		}
		if g.chance(0.5) {
			s.Fax = g.phone(c)
		}
		s.Created = g.between(created, g.now.AddDate(0, 0, -1))
		if j == 1 {
			s.Created = created
		}
		s.Updated = g.between(s.Created, g.now)
		out = append(out, s)
	}
	return out
}

// emailLocal makes "first.last" from a name (apostrophes and spaces dropped).
func emailLocal(first, last string) string {
	clean := func(s string) string {
		return strings.ToLower(strings.NewReplacer("'", "", " ", "", "-", "").Replace(s))
	}
	return clean(first) + "." + clean(last)
}

func (g *gen) contacts(key, dom string, sites []Site, created time.Time) []Contact {
	n := g.vary(g.opts.ContactsPerCo)
	var out []Contact
	used := map[string]bool{}
	for j := 1; j <= n; j++ {
		first, last := pick(g, firstNames), pick(g, lastNames)
		for used[first+" "+last] {
			first, last = pick(g, firstNames), pick(g, lastNames)
		}
		used[first+" "+last] = true
		site := sites[0]
		if len(sites) > 1 && g.chance(0.25) {
			site = pick(g, sites)
		}
		ct := Contact{
			Key:       fmt.Sprintf("%s-ct-%02d", key, j),
			FirstName: first,
			LastName:  last,
			Title:     pick(g, contactTitles),
			Type:      pick(g, []string{"End User", "End User", "End User", "Technical", "Billing", "Decision Maker"}),
			SiteKey:   site.Key,
			Inactive:  g.chance(0.05),
		}
		if j == 1 {
			ct.Type = "Primary Contact"
		}
		local := emailLocal(first, last)
		if g.chance(0.3) {
			local = strings.ToLower(first[:1]) + strings.Split(emailLocal("", last), ".")[1]
		}
		ct.Emails = []ContactItem{{Value: local + "@" + dom, Type: "Email", Primary: true}}
		work := ContactItem{Value: site.Phone, Type: "Direct", Primary: true}
		if g.chance(0.4) {
			work.Type = "Work"
			work.Extension = fmt.Sprintf("%d", 100+g.intn(400))
		}
		ct.Phones = []ContactItem{work}
		if g.chance(0.5) {
			c := city{Country: site.Country, Area: areaOf(site)}
			ct.Phones = append(ct.Phones, ContactItem{Value: g.phone(c), Type: "Mobile"})
		}
		ct.Created = g.between(created, g.now.AddDate(0, 0, -1))
		ct.Updated = g.between(ct.Created, g.now)
		out = append(out, ct)
	}
	return out
}

// areaOf extracts the area code of a site's phone number.
func areaOf(s Site) string {
	p := strings.TrimPrefix(s.Phone, "(")
	if i := strings.IndexAny(p, ") "); i > 0 {
		return p[:i]
	}
	return "555"
}

func (g *gen) tickets(key string, contacts []Contact, configs []Configuration) []Ticket {
	n := g.vary(g.opts.TicketsPerCo)
	var out []Ticket
	for j := 1; j <= n; j++ {
		g.ticketSeq++
		board := g.boardFor(g.rng.Float64())
		t := Ticket{
			Key:      fmt.Sprintf("%s-tk-%02d", key, j),
			Number:   fmt.Sprintf("%d", 180000+g.ticketSeq),
			Summary:  pick(g, ticketSummaries),
			Board:    board.Name,
			Status:   pick(g, board.Statuses),
			Priority: pick(g, []string{"Priority 3 - Normal Response", "Priority 3 - Normal Response", "Priority 2 - Quick Response", "Priority 4 - Schedule Maintenance", "Priority 1 - Emergency Response"}),
			Type:     pick(g, board.Types),
			Source:   pick(g, []string{"Phone", "Email", "Email", "Portal", "Walk-in"}),
		}
		if len(contacts) > 0 {
			t.ContactKey = pick(g, contacts).Key
		}
		if board.Name == "Alerts" {
			t.Source = "RMM Alert"
			t.ContactKey = ""
			if len(configs) > 0 {
				cfg := pick(g, configs)
				t.ConfigKeys = []string{cfg.Key}
				t.Summary = pick(g, []string{"Backup job failed on ", "Low disk space on ", "Agent offline: ", "Pending reboot for patches on "}) + cfg.Name
			}
			if g.chance(0.3) {
				t.Source = "ConnectSecure"
				t.Type = "Vulnerability"
				t.Summary = "ConnectSecure: critical vulnerability found on " + strings.TrimPrefix(strings.TrimPrefix(t.Summary, "Backup job failed on "), "Low disk space on ")
			}
		} else if len(configs) > 0 && g.chance(0.4) {
			t.ConfigKeys = []string{pick(g, configs).Key}
		}
		t.Closed = t.Status == "Closed" || t.Status == "Resolved" || t.Status == "Completed"
		t.Created = g.daysAgo(1, 180)
		t.Updated = g.between(t.Created, g.now)
		notes := 1 + g.intn(3)
		at := t.Created
		for k := 0; k < notes; k++ {
			at = g.between(at, t.Updated.Add(time.Second))
			note := TicketNote{Text: pick(g, ticketNoteTexts), Member: pick(g, technicians).Identifier, Internal: g.chance(0.3), Created: at}
			if k == 0 && t.ContactKey != "" && g.chance(0.5) {
				note = TicketNote{Text: "Reported by the customer: " + strings.ToLower(t.Summary[:1]) + t.Summary[1:] + ".", Created: t.Created}
			}
			if k == notes-1 && t.Closed {
				note.Resolution = true
			}
			t.Notes = append(t.Notes, note)
		}
		out = append(out, t)
	}
	return out
}

// boardFor maps a uniform draw to a board: Help Desk 85%, Alerts 10%,
// Projects 5%.
func (g *gen) boardFor(u float64) Board {
	b := g.ref.Boards
	switch {
	case u < 0.85:
		return b[0]
	case u < 0.95:
		return b[1]
	}
	return b[2]
}
