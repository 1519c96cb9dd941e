package msp

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// docSide fills d.Doc: what the documentation system already holds before
// the first sync.
//
//   - doc-overlap-company: round(DocOverlap × Companies) PSA companies (c0001
//     always among them) exist with the same name and key. Each carries its
//     primary site, about 60% of the PSA contacts and 50% of the PSA
//     configurations, with the same keys.
//   - doc-differs: about a quarter of those copies differ in fields that do
//     not take part in matching (phone, title, OS, IP, notes, asset tag, site
//     name), so the first sync updates them. Keys name the records.
//   - doc-only: records the PSA does not have: one or two configurations and
//     maybe a contact per overlapping company ("c0001-doc-cfg-01",
//     "c0001-doc-ct-01") and max(1, Companies/50) whole companies
//     ("d0001", ...).
//   - doc-duplicate-config: in c0001, one configuration documented twice
//     (keys K and K+"-dup", the duplicate created later).
//   - doc-near-duplicate-company: a doc-only company whose name differs from
//     a PSA company's (one not in the overlap) only by a legal suffix.
func (g *gen) docSide(d *Dataset) {
	n := len(d.PSA.Companies)
	k := int(math.Round(g.opts.DocOverlap * float64(n)))
	overlap := map[int]bool{}
	if k > 0 {
		overlap[1] = true
		rest := g.rng.Perm(max(n-1, 0))
		for _, r := range rest[:min(k-1, len(rest))] {
			overlap[r+2] = true
		}
	}
	for i := 1; i <= n; i++ {
		if !overlap[i] {
			continue
		}
		dc := g.docCopy(d, &d.PSA.Companies[i-1])
		d.addEdge(EdgeDocOverlap, "doc", "exists in the documentation system with the PSA company's exact name", dc.Key)
		d.Doc.Companies = append(d.Doc.Companies, dc)
	}
	m := max(1, n/50)
	if n == 0 {
		m = 0
	}
	for j := 1; j <= m; j++ {
		c := g.company(0, g.vary(g.opts.ConfigsPerCo/3+1))
		g.rekey(&c, fmt.Sprintf("d%04d", j))
		c.Tickets = nil
		c.Type = pick(g, []string{TypeCustomer, TypeCustomer, "Internal", TypeVendor})
		d.addEdge(EdgeDocOnly, "doc", "record only the documentation system has", c.Key)
		d.Doc.Companies = append(d.Doc.Companies, c)
	}
	for i := 2; i <= n; i++ {
		if overlap[i] {
			continue
		}
		src := d.PSA.Companies[i-1]
		c := g.company(0, 3)
		g.rekey(&c, fmt.Sprintf("d%04d", m+1))
		c.Tickets = nil
		c.Name = nearName(src.Name)
		d.addEdge(EdgeDocNearDuplicate, "doc", "name differs from PSA company "+src.Key+" ("+src.Name+") only by a legal suffix", c.Key)
		d.Doc.Companies = append(d.Doc.Companies, c)
		break
	}
}

// nearName adds or drops a legal suffix.
func nearName(name string) string {
	for _, suf := range nameSuffixes {
		if suf != "" && strings.HasSuffix(name, " "+suf) {
			return strings.TrimSuffix(name, " "+suf)
		}
	}
	return name + ", LLC"
}

// rekey renames a generated company and its children to key.
func (g *gen) rekey(c *Company, key string) {
	old := c.Key
	re := func(s string) string {
		if s == "" {
			return s
		}
		return key + strings.TrimPrefix(s, old)
	}
	c.Key = key
	for i := range c.Sites {
		c.Sites[i].Key = re(c.Sites[i].Key)
	}
	for i := range c.Contacts {
		c.Contacts[i].Key = re(c.Contacts[i].Key)
		c.Contacts[i].SiteKey = re(c.Contacts[i].SiteKey)
	}
	for i := range c.Configs {
		cf := &c.Configs[i]
		cf.Key, cf.SiteKey, cf.ContactKey = re(cf.Key), re(cf.SiteKey), re(cf.ContactKey)
	}
}

// docCopy returns the documentation system's version of a PSA company.
func (g *gen) docCopy(d *Dataset, src *Company) Company {
	dc := Company{
		Key: src.Key, Identifier: src.Identifier, Name: src.Name, Type: src.Type, Status: src.Status,
		ParentKey: src.ParentKey, Phone: src.Phone, Fax: src.Fax, Website: src.Website,
	}
	dc.Created = g.between(src.Created.AddDate(-1, 0, 0), src.Created)
	dc.Updated = g.between(dc.Created, g.now)
	differs := func(key string) {
		d.addEdge(EdgeDocDiffers, "doc", "matches a PSA record but differs in fields that do not take part in matching", key)
	}
	if g.chance(0.25) {
		if g.chance(0.5) {
			dc.Identifier = ""
		} else {
			dc.Phone = strings.NewReplacer("(", "", ") ", "-").Replace(dc.Phone)
		}
		differs(dc.Key)
	}
	site := src.Sites[0]
	if g.chance(0.3) {
		site.Name = pick(g, []string{"Head Office", "HQ", "Main Office"})
		site.Phone = ""
		differs(site.Key)
	}
	dc.Sites = []Site{site}
	for _, ct := range src.Contacts {
		if !g.chance(0.6) {
			continue
		}
		ct.Emails = slices.Clone(ct.Emails)
		ct.Phones = slices.Clone(ct.Phones)
		if g.chance(0.2) {
			ct.Title = pick(g, contactTitles)
			if len(ct.Phones) > 1 {
				ct.Phones = ct.Phones[:1]
			}
			differs(ct.Key)
		}
		dc.Contacts = append(dc.Contacts, ct)
	}
	for _, cf := range src.Configs {
		if !g.chance(0.5) {
			continue
		}
		if g.chance(0.25) {
			switch g.intn(4) {
			case 0:
				cf.OSType = strings.Replace(cf.OSType, "11", "10", 1)
				cf.Notes = "Documented before the PSA sync"
			case 1:
				cf.IPAddress = ""
			case 2:
				cf.AssetTag = ""
				cf.Notes = "Asset tag missing"
			default:
				cf.WarrantyExpiry = cf.WarrantyExpiry.AddDate(-1, 0, 0)
				cf.Notes = "Warranty checked on vendor site"
			}
			differs(cf.Key)
		}
		dc.Configs = append(dc.Configs, cf)
	}
	if src.Key == companyKey(1) && len(dc.Configs) > 0 {
		dup := dc.Configs[0]
		dup.Key += "-dup"
		dup.Created = g.between(dc.Configs[0].Created, g.now)
		dup.Updated = dup.Created
		dc.Configs = append(dc.Configs, dup)
		d.addEdge(EdgeDocDuplicate, "doc", "one device documented twice; the duplicate was created later", dc.Configs[0].Key, dup.Key)
	}
	cd := code(src.Name)
	for j := 1; j <= 1+g.intn(2); j++ {
		nt := pick(g, [][2]string{{cd + "-OLD-PRN01", CfgPrinter}, {"Reception Printer (old)", CfgPrinter}, {cd + "-NVR01", CfgNAS}, {cd + "-SW-LEGACY", CfgSwitch}})
		cf := Configuration{
			Key:     fmt.Sprintf("%s-doc-cfg-%02d", src.Key, j),
			Name:    nt[0],
			Type:    nt[1],
			Status:  CfgStatusActive,
			SiteKey: site.Key,
			Notes:   "Documented by hand; not in the PSA",
		}
		cf.Created = g.daysAgo(100, 1500)
		cf.Updated = g.between(cf.Created, g.now)
		dc.Configs = append(dc.Configs, cf)
		d.addEdge(EdgeDocOnly, "doc", "record only the documentation system has", cf.Key)
	}
	if g.chance(0.3) {
		ct := Contact{
			Key:       src.Key + "-doc-ct-01",
			FirstName: pick(g, firstNames),
			LastName:  pick(g, lastNames),
			Title:     "Former IT Contact",
			Type:      "Technical",
			SiteKey:   site.Key,
		}
		ct.Created = g.daysAgo(300, 1500)
		ct.Updated = ct.Created
		dc.Contacts = append(dc.Contacts, ct)
		d.addEdge(EdgeDocOnly, "doc", "record only the documentation system has", ct.Key)
	}
	return dc
}
