package msp

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

const day = 24 * time.Hour

// Edge-case names (Dataset.EdgeCases[].Name). Each is placed in a fixed
// company so tests can find it; all are present when Companies >= 8.
//
// PSA side:
//
//	company-unsynced-type       c0005 (Prospect), c0006 (Vendor)
//	company-unsynced-status     c0007 (Inactive), c0008 (Not Approved)
//	company-child               c0004, whose parent is c0003
//	config-duplicate-name-type  two configurations in c0002: same name, type,
//	                            serial and MAC, created 400 and 30 days ago
//	config-same-name-other-serial   two in c0002: same name and type, other serials
//	config-same-serial-other-mac    two in c0002: same name, type and serial, other MACs
//	config-multi-mac            c0002: several MACs in one macAddress string
//	                            ("00:1A:2B:3C:4D:5E, 00:1A:2B:3C:4D:5F")
//	config-mac-over-17          c0002: macAddress longer than 17 characters
//	config-mac-other-format     c0002: one MAC spelt with dashes, Cisco dots, bare hex
//	config-no-serial-no-mac     c0002: an agentless printer without serial or MAC
//	config-unsynced-type        c0003: "Personal Device" and "ConnectSecure"
//	                            (the latter named like an existing server)
//	config-unsynced-status      c0003: "Retired" and "Inactive"
//	contact-same-name-other-company c0001 and c0002: "Dana Whitfield" in both
//	contact-no-email            c0001: "Pat Kowalski", phone only
//
// Documentation side (see docside.go): doc-overlap-company, doc-differs,
// doc-only, doc-duplicate-config, doc-near-duplicate-company.
const (
	EdgeCompanyUnsyncedType   = "company-unsynced-type"
	EdgeCompanyUnsyncedStatus = "company-unsynced-status"
	EdgeCompanyChild          = "company-child"
	EdgeConfigDupNameType     = "config-duplicate-name-type"
	EdgeConfigOtherSerial     = "config-same-name-other-serial"
	EdgeConfigOtherMAC        = "config-same-serial-other-mac"
	EdgeConfigMultiMAC        = "config-multi-mac"
	EdgeConfigMACOver17       = "config-mac-over-17"
	EdgeConfigMACFormat       = "config-mac-other-format"
	EdgeConfigNoSerial        = "config-no-serial-no-mac"
	EdgeConfigUnsyncedType    = "config-unsynced-type"
	EdgeConfigUnsyncedStatus  = "config-unsynced-status"
	EdgeContactSameName       = "contact-same-name-other-company"
	EdgeContactNoEmail        = "contact-no-email"

	EdgeDocOverlap       = "doc-overlap-company"
	EdgeDocDiffers       = "doc-differs"
	EdgeDocOnly          = "doc-only"
	EdgeDocDuplicate     = "doc-duplicate-config"
	EdgeDocNearDuplicate = "doc-near-duplicate-company"
)

// company returns the i-th PSA company (1-based) or nil.
func psaCompany(d *Dataset, i int) *Company {
	if i < 1 || i > len(d.PSA.Companies) {
		return nil
	}
	return &d.PSA.Companies[i-1]
}

func (d *Dataset) addEdge(name, side, note string, keys ...string) {
	for i := range d.EdgeCases {
		if d.EdgeCases[i].Name == name && d.EdgeCases[i].Side == side {
			d.EdgeCases[i].Keys = append(d.EdgeCases[i].Keys, keys...)
			return
		}
	}
	d.EdgeCases = append(d.EdgeCases, EdgeCase{Name: name, Side: side, Keys: keys, Note: note})
}

// placeEdgeCases rewrites and extends the first eight companies.
func (g *gen) placeEdgeCases(d *Dataset) {
	for i, ts := range [][2]string{
		{TypeCustomer, StatusActive}, {TypeCustomer, StatusActive}, {TypeCustomer, StatusActive}, {TypeCustomer, StatusActive},
		{TypeProspect, StatusActive}, {TypeVendor, StatusActive}, {TypeCustomer, StatusInactive}, {TypeCustomer, StatusNotAppr},
	} {
		if c := psaCompany(d, i+1); c != nil {
			c.Type, c.Status = ts[0], ts[1]
		}
	}
	if c := psaCompany(d, 1); c != nil {
		g.contactEdges(d, c)
	}
	if c := psaCompany(d, 2); c != nil {
		g.configEdges(d, c)
		ct := g.edgeContact(c, "Dana", "Whitfield", true)
		d.addEdge(EdgeContactSameName, "psa", "same first and last name in two companies", ct.Key)
	}
	if c := psaCompany(d, 3); c != nil {
		g.unsyncedConfigEdges(d, c)
	}
	if c := psaCompany(d, 4); c != nil {
		c.ParentKey = companyKey(3)
		d.addEdge(EdgeCompanyChild, "psa", "child company; its parent is "+companyKey(3), c.Key)
	}
	for _, i := range []int{5, 6} {
		if c := psaCompany(d, i); c != nil {
			d.addEdge(EdgeCompanyUnsyncedType, "psa", "company type not synced by default (Prospect, Vendor)", c.Key)
		}
	}
	for _, i := range []int{7, 8} {
		if c := psaCompany(d, i); c != nil {
			d.addEdge(EdgeCompanyUnsyncedStatus, "psa", "company status not synced by default (Inactive, Not Approved)", c.Key)
		}
	}
}

func (g *gen) contactEdges(d *Dataset, c *Company) {
	same := g.edgeContact(c, "Dana", "Whitfield", true)
	d.addEdge(EdgeContactSameName, "psa", "same first and last name in two companies", same.Key)
	none := g.edgeContact(c, "Pat", "Kowalski", false)
	d.addEdge(EdgeContactNoEmail, "psa", "contact without any e-mail address", none.Key)
}

// edgeContact appends a contact to c.
func (g *gen) edgeContact(c *Company, first, last string, email bool) Contact {
	dom := strings.TrimPrefix(c.Website, "www.")
	ct := Contact{
		Key:       fmt.Sprintf("%s-ct-%02d", c.Key, len(c.Contacts)+1),
		FirstName: first,
		LastName:  last,
		Title:     "Office Manager",
		Type:      "End User",
		SiteKey:   c.Sites[0].Key,
		Phones:    []ContactItem{{Value: c.Sites[0].Phone, Type: "Work", Extension: "210", Primary: true}},
		Created:   g.now.AddDate(0, 0, -200),
		Updated:   g.now.AddDate(0, 0, -20),
	}
	if email {
		ct.Emails = []ContactItem{{Value: emailLocal(first, last) + "@" + dom, Type: "Email", Primary: true}}
	}
	c.Contacts = append(c.Contacts, ct)
	return ct
}

// edgeConfig appends a configuration of kind k named name to c and returns
// a pointer to it (valid while c.Configs does not grow past its capacity).
func (g *gen) edgeConfig(c *Company, k *deviceKind, name string, ageDays int) *Configuration {
	m := k.Makes[0]
	cfg := Configuration{
		Key:            fmt.Sprintf("%s-cfg-%03d", c.Key, len(c.Configs)+1),
		Name:           name,
		Type:           k.Type,
		Status:         CfgStatusActive,
		Manufacturer:   m.Name,
		Model:          m.Models[0],
		MACAddress:     g.mac(m.OUIs[0]),
		SiteKey:        c.Sites[0].Key,
		InstalledBy:    technicians[0].Identifier,
		Created:        g.now.AddDate(0, 0, -ageDays),
		Updated:        g.now.AddDate(0, 0, -ageDays/2),
		PurchasedAt:    g.now.AddDate(0, 0, -ageDays-10).Truncate(day),
		InstalledAt:    g.now.AddDate(0, 0, -ageDays).Truncate(day),
		WarrantyExpiry: g.now.AddDate(3, 0, -ageDays-10).Truncate(day),
	}
	cfg.SerialNumber = g.serial(m, cfg.Model, cfg.MACAddress)
	if os := g.os(k, m); os != "" {
		cfg.OSType = os
	}
	if k.Type == CfgServer || k.Type == CfgWorkstation || k.Type == CfgLaptop {
		cfg.Hostname = name
	}
	c.Configs = append(c.Configs, cfg)
	return &c.Configs[len(c.Configs)-1]
}

// The edge helpers keep pointers returned by edgeConfig while appending
// more, so they reserve room first: the slice must not move.
const edgeRoom = 20

func (g *gen) configEdges(d *Dataset, c *Company) {
	c.Configs = slices.Grow(c.Configs, edgeRoom)
	cd := code(c.Name)
	// Same name, type, serial and MAC twice; the older one was created first.
	a := *g.edgeConfig(c, &kindPrinter, cd+"-SCAN01", 400)
	b := g.edgeConfig(c, &kindPrinter, cd+"-SCAN01", 30)
	b.SerialNumber, b.MACAddress, b.Model = a.SerialNumber, a.MACAddress, a.Model
	d.addEdge(EdgeConfigDupNameType, "psa", "same name, type, serial and MAC; different created dates", a.Key, b.Key)

	a = *g.edgeConfig(c, &kindWorkstation, cd+"-WS-901", 700)
	b = g.edgeConfig(c, &kindWorkstation, cd+"-WS-901", 60)
	d.addEdge(EdgeConfigOtherSerial, "psa", "same name and type, different serial numbers (hardware replaced, name kept)", a.Key, b.Key)

	a = *g.edgeConfig(c, &kindLaptop, cd+"-LT-902", 300)
	b = g.edgeConfig(c, &kindLaptop, cd+"-LT-902", 90)
	b.SerialNumber = a.SerialNumber
	d.addEdge(EdgeConfigOtherMAC, "psa", "same name, type and serial; different MACs (wired and wireless NIC)", a.Key, b.Key)

	hv := g.edgeConfig(c, &kindServer, cd+"-HV01", 500)
	hv.MACAddress = "00:1A:2B:3C:4D:5E, 00:1A:2B:3C:4D:5F"
	nas := g.edgeConfig(c, &kindNAS, cd+"-NAS02", 250)
	nas.MACAddress = "001A2B3C4D60,001A2B3C4D61"
	d.addEdge(EdgeConfigMultiMAC, "psa", "several MAC addresses written into one macAddress string by an RMM", hv.Key, nas.Key)
	ws := g.edgeConfig(c, &kindWorkstation, cd+"-WS-903", 120)
	ws.MACAddress = "00:1A:2B:3C:4D:62 (Wi-Fi)"
	d.addEdge(EdgeConfigMACOver17, "psa", "macAddress longer than 17 characters", hv.Key, nas.Key, ws.Key)

	dash := g.edgeConfig(c, &kindWorkstation, cd+"-WS-904", 150)
	dash.MACAddress = "00-1A-2B-3C-4D-63"
	dot := g.edgeConfig(c, &kindSwitch, cd+"-SW09", 150)
	dot.MACAddress = "001a.2b3c.4d64"
	bare := g.edgeConfig(c, &kindAP, cd+"-AP09", 150)
	bare.MACAddress = "001a2b3c4d65"
	d.addEdge(EdgeConfigMACFormat, "psa", "one MAC spelt with dashes, Cisco dots, bare lower-case hex", dash.Key, dot.Key, bare.Key)

	prn := g.edgeConfig(c, &kindPrinter, cd+"-PRN09", 90)
	prn.SerialNumber, prn.MACAddress = "", ""
	d.addEdge(EdgeConfigNoSerial, "psa", "agentless printer: no serial number, no MAC", prn.Key)
}

func (g *gen) unsyncedConfigEdges(d *Dataset, c *Company) {
	c.Configs = slices.Grow(c.Configs, edgeRoom)
	cd := code(c.Name)
	ipad := g.edgeConfig(c, &kindPersonal, "Front Desk iPad", 100)
	ipad.Model, ipad.OSType = "iPad Air (5th generation)", "iOS 17.5"
	// A security scanner's record of a server that also exists as a
	// Managed Server: same name, its own type.
	srv := g.edgeConfig(c, &kindServer, cd+"-DC09", 365)
	scan := g.edgeConfig(c, &kindServer, cd+"-DC09", 20)
	scan.Type, scan.SerialNumber, scan.MACAddress = CfgScanner, "", srv.MACAddress
	scan.Manufacturer, scan.Model, scan.InstalledBy, scan.Hostname = "", "", "", ""
	scan.PurchasedAt, scan.InstalledAt, scan.WarrantyExpiry = time.Time{}, time.Time{}, time.Time{}
	d.addEdge(EdgeConfigUnsyncedType, "psa", "configuration types not synced by default (Personal Device, ConnectSecure)", ipad.Key, scan.Key)

	ret := g.edgeConfig(c, &kindWorkstation, cd+"-WS-950", 1500)
	ret.Status = CfgStatusRetired
	ina := g.edgeConfig(c, &kindWorkstation, cd+"-WS-951", 900)
	ina.Status = CfgStatusInactive
	d.addEdge(EdgeConfigUnsyncedStatus, "psa", "configuration statuses not synced by default (Retired, Inactive)", ret.Key, ina.Key)
}
