package connectsecure

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"mapsync/connectors/sandbox/core"
	"mapsync/connectors/sandbox/msp"
)

// Words the seeded events draw from.
var (
	seedProducts = []string{"Google Chrome 119.0", "OpenSSL 1.1.1k", "Adobe Acrobat Reader 2023.006", "Mozilla Firefox 118.0", "Zoom Client 5.15", "7-Zip 19.00", "Microsoft Edge 117.0", "Java 8 Update 361"}
	seedFixes    = []string{"Update Google Chrome to 120.0 or later", "Upgrade OpenSSL to 3.0.12", "Apply the vendor's security update", "Update Mozilla Firefox to 119.0", "Install the latest cumulative update", "Remove the unsupported software"}
	seedChanges  = []string{"Software installed", "Software removed", "New open port 3389", "Local administrator added", "Firewall disabled"}
	seedAzure    = []string{"Add member to role", "Reset user password", "Update conditional access policy", "Add application"}
	seedAzureErr = []string{"Sign-in failure: invalid password", "MFA challenge failed", "Token issuance failed"}
	seedAD       = []string{"User account locked out", "User added to Domain Admins", "Password never expires set", "Account enabled"}
	seedUsers    = []string{"jsmith", "mgarcia", "admin", "svc-backup", "lchen", "tnguyen"}
)

// Seed replaces the content with the scanner's view of d: every PSA company
// but each third exists in the scanner (every fifth of those under a
// different name, as an MSP that typed it differently); active
// configurations become active assets and every fourth inactive one an
// inactive asset; each company gets 3 to 8 events over all categories,
// about a third of them resolved. IDForKey finds companies and assets by
// generator key.
func (s *Sandbox) Seed(d *msp.Dataset) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	for _, t := range []*core.Table{s.companies, s.assets, s.events, s.keys} {
		t.Reset()
	}
	now := d.Options.Now
	if now.IsZero() {
		now = time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)
	}
	now = now.UTC().Truncate(time.Millisecond)
	rng := rand.New(rand.NewPCG(uint64(d.Options.Seed), 0x5ca11e7))
	put := func(t *core.Table, id int64, created, updated time.Time, data map[string]any) error {
		created, updated = created.UTC().Truncate(time.Millisecond), updated.UTC().Truncate(time.Millisecond)
		data["id"], data["created"], data["updated"] = id, fmtTime(created), fmtTime(updated)
		_, err := t.Put(id, created, updated, data)
		return err
	}
	key := func(k, collection string, id int64) error {
		return put(s.keys, s.keys.NextID(), now, now, map[string]any{"key": k, "collection": collection, "id": id})
	}
	var compID, assetID, eventID int64
	for i := range d.PSA.Companies {
		c := &d.PSA.Companies[i]
		if i%3 == 2 {
			continue
		}
		compID++
		name := c.Name
		if compID%5 == 2 {
			name = renamed(c.Name)
		}
		if err := put(s.companies, compID, c.Created, c.Updated, map[string]any{"name": name, "description": c.Type + " of the MSP"}); err != nil {
			return fmt.Errorf("connectsecure sandbox: seed %s: %w", c.Key, err)
		}
		if err := key(c.Key, Companies, compID); err != nil {
			return fmt.Errorf("connectsecure sandbox: seed %s: %w", c.Key, err)
		}
		var assets []map[string]any
		inactive := 0
		for _, cfg := range c.Configs {
			status := StatusActive
			if cfg.Status != msp.CfgStatusActive {
				inactive++
				if inactive%4 != 1 {
					continue
				}
				status = StatusInactive
			}
			assetID++
			seen := cfg.Updated.Add(time.Duration(rng.IntN(72)) * time.Hour)
			if seen.After(now) {
				seen = now
			}
			a := map[string]any{
				"company_id": compID, "name": cfg.Name, "hostname": strings.ToLower(cfg.Hostname), "ip": cfg.IPAddress,
				"mac": firstMAC(cfg.MACAddress), "os": osFamily(cfg.OSType), "os_version": cfg.OSType,
				"manufacturer": cfg.Manufacturer, "model": cfg.Model, "serial": cfg.SerialNumber,
				"asset_type": cfg.Type, "status": status, "last_seen": fmtTime(seen),
			}
			if err := put(s.assets, assetID, cfg.Created, cfg.Updated, a); err != nil {
				return fmt.Errorf("connectsecure sandbox: seed %s: %w", cfg.Key, err)
			}
			if err := key(cfg.Key, Assets, assetID); err != nil {
				return fmt.Errorf("connectsecure sandbox: seed %s: %w", cfg.Key, err)
			}
			if status == StatusActive {
				assets = append(assets, a)
			}
		}
		n := 3 + rng.IntN(6)
		for j := range n {
			eventID++
			cat := Categories[(int(compID)+j)%len(Categories)]
			e := seedEvent(rng, cat, assets)
			e["company_id"] = compID
			created := now.Add(-time.Duration(1+rng.IntN(60*24)) * time.Hour)
			updated := created
			e["status"], e["resolved_at"] = StatusOpen, nil
			if rng.IntN(3) == 0 {
				updated = created.Add(time.Duration(1+rng.IntN(48)) * time.Hour)
				if updated.After(now) {
					updated = now
				}
				e["status"], e["resolved_at"] = StatusResolved, fmtTime(updated)
			}
			if err := put(s.events, eventID, created, updated, e); err != nil {
				return fmt.Errorf("connectsecure sandbox: seed event %d: %w", eventID, err)
			}
		}
	}
	return nil
}

// seedEvent returns the category-specific fields of one event.
func seedEvent(rng *rand.Rand, cat string, assets []map[string]any) map[string]any {
	pick := func(xs []string) string { return xs[rng.IntN(len(xs))] }
	sev := Severities[rng.IntN(len(Severities))]
	e := map[string]any{"category": cat, "severity": sev, "asset_id": int64(0),
		"os": "", "product": "", "fix": "", "event_name": "", "user": "", "description": ""}
	var asset map[string]any
	if len(assets) > 0 && (cat == CatSystemChanges || cat == CatProblems || cat == CatSolutions) {
		asset = assets[rng.IntN(len(assets))]
		e["asset_id"], e["os"] = asset["id"], asset["os_version"]
	}
	switch cat {
	case CatSystemChanges:
		e["event_name"] = pick(seedChanges)
		e["product"] = pick(seedProducts)
		e["title"] = fmt.Sprintf("%s on %v", e["event_name"], assetName(asset))
	case CatProblems:
		e["product"] = pick(seedProducts)
		e["title"] = fmt.Sprintf("CVE-2023-%04d in %s", 1000+rng.IntN(9000), e["product"])
		e["description"] = "A vulnerable version was found during the scan."
	case CatSolutions:
		e["product"], e["fix"] = pick(seedProducts), pick(seedFixes)
		e["title"] = fmt.Sprintf("%s", e["fix"])
	case CatAzureADAudit:
		e["event_name"], e["user"] = pick(seedAzure), pick(seedUsers)
		e["title"] = fmt.Sprintf("%s by %s", e["event_name"], e["user"])
	case CatAzureADError:
		e["event_name"], e["user"] = pick(seedAzureErr), pick(seedUsers)
		e["title"] = e["event_name"]
	case CatADAudit:
		e["event_name"], e["user"] = pick(seedAD), pick(seedUsers)
		e["title"] = fmt.Sprintf("%s: %s", e["event_name"], e["user"])
	}
	e["priority"] = indexOf(Severities, sev) + 1
	return e
}

func indexOf(xs []string, x string) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return -1
}

func assetName(a map[string]any) any {
	if a == nil {
		return "an unknown asset"
	}
	return a["name"]
}

// renamed is how the scanner spells a company differently.
func renamed(name string) string {
	for _, suf := range []string{" Inc.", " LLC", " Ltd", " Corporation", " Corp."} {
		if strings.HasSuffix(name, suf) {
			return strings.TrimSuffix(name, suf)
		}
	}
	return name + " (Scanner)"
}

func firstMAC(s string) string {
	s, _, _ = strings.Cut(s, ",")
	s, _, _ = strings.Cut(s, " ")
	return strings.TrimSpace(s)
}

func osFamily(os string) string {
	switch {
	case strings.HasPrefix(os, "Windows"):
		return "Windows"
	case strings.HasPrefix(os, "macOS"):
		return "macOS"
	case strings.HasPrefix(os, "Ubuntu"):
		return "Linux"
	case os == "":
		return ""
	}
	return "Other"
}
