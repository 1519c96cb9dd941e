package msp

import (
	"fmt"
	"strings"
	"time"
)

// configPlan lists the device kinds of a company with n configurations:
// the infrastructure first, then workstations and laptops.
func (g *gen) configPlan(n int) []*deviceKind {
	var plan []*deviceKind
	add := func(k *deviceKind, count int) {
		for i := 0; i < count && len(plan) < n; i++ {
			plan = append(plan, k)
		}
	}
	if n >= 4 {
		add(&kindFirewall, 1)
	}
	add(&kindServer, 1+min(n/10, 4))
	add(&kindSwitch, 1+n/40)
	add(&kindAP, 1+n/25)
	add(&kindPrinter, 1+n/30)
	if n >= 12 {
		add(&kindUPS, 1)
	}
	if n >= 18 && g.chance(0.5) {
		add(&kindNAS, 1)
	}
	for len(plan) < n {
		switch u := g.rng.Float64(); {
		case u < 0.02:
			plan = append(plan, &kindPersonal)
		case u < 0.64:
			plan = append(plan, &kindWorkstation)
		default:
			plan = append(plan, &kindLaptop)
		}
	}
	return plan
}

// serverNames are the roles of a company's servers, in order.
var serverNames = []string{"DC01", "FS01", "APP01", "SQL01", "HV01", "DC02", "RDS01"}

// subnet is a company's LAN: 10.a.b.0/24 or 192.168.b.0/24 (grown into
// the next /24 when a company has more than ~150 devices).
type subnet struct{ a, b, c int }

// ip returns the address of host number h (1 = .1, 254 = .254, 255 = .1 of
// the next /24).
func (s subnet) ip(h int) string {
	return fmt.Sprintf("%d.%d.%d.%d", s.a, s.b, (s.c+(h-1)/254)%256, 1+(h-1)%254)
}

func (g *gen) configs(key, code string, n int, sites []Site, contacts []Contact, created time.Time) []Configuration {
	plan := g.configPlan(n)
	net := subnet{a: 192, b: 168, c: g.intn(250)}
	if g.chance(0.6) {
		net = subnet{a: 10, b: g.intn(250), c: 10 * g.intn(25)}
	}
	gateway := net.ip(1)
	seq := map[string]int{}
	next := map[string]int{"srv": 10, "net": 2, "ap": 20, "prn": 50, "ups": 30, "nas": 40, "pc": 100}
	var out []Configuration
	for j, k := range plan {
		seq[k.Tag]++
		m := pick(g, k.Makes)
		cfg := Configuration{
			Key:          fmt.Sprintf("%s-cfg-%03d", key, j+1),
			Type:         k.Type,
			Status:       g.configStatus(),
			Manufacturer: m.Name,
			Model:        pick(g, m.Models),
		}
		cfg.MACAddress = g.mac(pick(g, m.OUIs))
		cfg.SerialNumber = g.serial(m, cfg.Model, cfg.MACAddress)
		cfg.OSType = g.os(k, m)
		switch k.Tag {
		case "SRV":
			cfg.Name = code + "-" + serverNames[(seq[k.Tag]-1)%len(serverNames)]
			if seq[k.Tag] > len(serverNames) {
				cfg.Name = fmt.Sprintf("%s-SRV%02d", code, seq[k.Tag])
			}
			cfg.IPAddress = net.ip(next["srv"])
			next["srv"]++
		case "WS", "LT":
			cfg.Name = fmt.Sprintf("%s-%s-%03d", code, k.Tag, seq[k.Tag])
			if g.chance(0.75) {
				cfg.IPAddress = net.ip(next["pc"])
			}
			next["pc"]++
			if len(contacts) > 0 && g.chance(0.6) {
				cfg.ContactKey = pick(g, contacts).Key
			}
		case "BYOD":
			if len(contacts) > 0 {
				ct := pick(g, contacts)
				cfg.ContactKey = ct.Key
				cfg.Name = fmt.Sprintf("%s %s's %s", ct.FirstName, ct.LastName, strings.Fields(cfg.Model)[0])
			} else {
				cfg.Name = fmt.Sprintf("%s-BYOD-%02d", code, seq[k.Tag])
			}
		default:
			cfg.Name = fmt.Sprintf("%s-%s%02d", code, k.Tag, seq[k.Tag])
			slot := map[string]string{"FW": "net", "SW": "net", "AP": "ap", "PRN": "prn", "UPS": "ups", "NAS": "nas"}[k.Tag]
			if k.Tag == "FW" && seq[k.Tag] == 1 {
				cfg.IPAddress = gateway
			} else {
				cfg.IPAddress = net.ip(next[slot])
				next[slot]++
			}
		}
		if cfg.IPAddress != "" && cfg.IPAddress != gateway {
			cfg.DefaultGateway = gateway
		}
		if k.Tag == "SRV" || k.Tag == "WS" || k.Tag == "LT" || k.Tag == "NAS" {
			cfg.Hostname = cfg.Name
		}
		cfg.SiteKey = sites[0].Key
		if len(sites) > 1 && g.chance(0.25) {
			cfg.SiteKey = pick(g, sites).Key
		}
		if g.chance(0.4) {
			cfg.AssetTag = fmt.Sprintf("%s-%04d", code, 1+g.intn(9999))
		}
		cfg.Created = g.between(created, g.now.AddDate(0, 0, -1))
		cfg.Updated = g.between(cfg.Created, g.now)
		if g.chance(0.85) {
			cfg.PurchasedAt = g.between(cfg.Created.AddDate(0, 0, -30), cfg.Created).Truncate(24 * time.Hour)
			cfg.InstalledAt = cfg.PurchasedAt.AddDate(0, 0, 1+g.intn(14))
			years := 3
			if k.Tag == "SRV" || k.Tag == "FW" {
				years = 5
			}
			cfg.WarrantyExpiry = cfg.PurchasedAt.AddDate(years, 0, 0)
			if g.chance(0.8) {
				cfg.InstalledBy = pick(g, technicians).Identifier
			}
		}
		if g.chance(0.15) {
			cfg.Notes = pick(g, configNotes)
		}
		if g.chance(0.03) { // RMM artefacts: MACs in other spellings
			cfg.MACAddress = respell(cfg.MACAddress, g.intn(3))
		}
		out = append(out, cfg)
	}
	return out
}

// serial makes a serial number that fits the brand (and, for FortiGates,
// the model).
func (g *gen) serial(m brand, model, mac string) string {
	if m.Serial == "" { // Ubiquiti: the serial is the MAC's hex digits
		return strings.ReplaceAll(mac, ":", "")
	}
	if num, ok := strings.CutPrefix(model, "FortiGate "); ok {
		prefix := "FGT" + num
		if len(num) > 3 {
			prefix = "FG" + num
		}
		return prefix + "TK" + g.pattern("99999999")
	}
	return g.pattern(m.Serial)
}

// os picks an operating system the brand runs ("" when the kind has none).
func (g *gen) os(k *deviceKind, m brand) string {
	if len(m.OS) > 0 {
		return pick(g, m.OS)
	}
	if len(k.OS) > 0 {
		return pick(g, k.OS)
	}
	return ""
}

var configNotes = []string{
	"Rack 1, U14", "Reserved IP in DHCP", "Leased; lease ends 2027-06", "Shared front desk PC",
	"Replaced motherboard under warranty 2025-03", "Do not reboot during business hours",
	"Admin password in the vault", "Loaner unit",
}

func (g *gen) configStatus() string {
	switch u := g.rng.Float64(); {
	case u < 0.93:
		return CfgStatusActive
	case u < 0.96:
		return CfgStatusInactive
	case u < 0.985:
		return CfgStatusRetired
	default:
		return CfgStatusInStock
	}
}

// respell writes a colon-separated MAC as dashes (0), Cisco dotted
// lower-case (1) or bare lower-case hex (2).
func respell(mac string, style int) string {
	hex := strings.ReplaceAll(mac, ":", "")
	switch style {
	case 0:
		return strings.ReplaceAll(mac, ":", "-")
	case 1:
		h := strings.ToLower(hex)
		return h[0:4] + "." + h[4:8] + "." + h[8:12]
	}
	return strings.ToLower(hex)
}
