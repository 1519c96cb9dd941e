package itglue

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"mapsync/connectors/sandbox/msp"
)

// Seed replaces the sandbox's state with a data set: the reference data of
// d.Ref (organization types and statuses, configuration types and
// statuses, contact types, manufacturers and models, operating systems,
// countries and regions) and d.Doc, the records IT Glue already holds
// before the first sync. PSA-side records are not loaded. Ids are assigned
// in data set order, so the same data set always gives the same ids; the
// generator keys are kept (see IDForKey).
//
// Reference values the records use but d.Ref lacks are created too (IT
// Glue would hold them). A MAC address longer than IT Glue's 17
// characters (several MACs in one string) is cut to its first address. A
// required attribute the data set leaves blank gets a stand-in (the key,
// "Unknown").
func (s *Sandbox) Seed(d *msp.Dataset) error {
	if d == nil {
		return fmt.Errorf("itglue sandbox: seed: nil data set")
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	s.st.resetLocked()
	now := d.Options.Now
	if now.IsZero() {
		now = s.opts.Clock()
	}
	sd := &seeder{st: s.st, refTime: now.UTC().AddDate(-3, 0, 0).Truncate(time.Millisecond), lookups: map[string]int64{}}
	sd.reference(d.Ref)
	if err := sd.side(d.Doc); err != nil {
		return fmt.Errorf("itglue sandbox: seed: %w", err)
	}
	return nil
}

type seeder struct {
	st      *store
	refTime time.Time
	lookups map[string]int64 // "type|parent|lower(name)" -> id
}

// put stores a record as given (no validation: the seeder builds
// consistent data) and returns it.
func (sd *seeder) put(typ, key string, vals map[string]any, created, updated time.Time) *record {
	t := sd.st.table(typ)
	if created.IsZero() {
		created = sd.refTime
	}
	if updated.IsZero() || updated.Before(created) {
		updated = created
	}
	for _, a := range t.res.attrs {
		if _, set := vals[a.name]; !set && a.def != nil {
			vals[a.name] = a.def
		}
	}
	r := &record{id: t.nextID, vals: vals, key: key,
		created: created.UTC().Truncate(time.Millisecond), updated: updated.UTC().Truncate(time.Millisecond)}
	t.put(r)
	sd.st.touched(t)
	if key != "" {
		sd.st.keys[key] = keyRef{typ: typ, id: r.id}
	}
	return r
}

// lookup returns the id of the reference record of typ named name (under
// parent, for models and regions), creating it if needed. An empty name
// gives nil.
func (sd *seeder) lookup(typ, name string, parent int64, extra map[string]any) any {
	name = strings.TrimSpace(name)
	if name == "" {
		return nil
	}
	k := typ + "|" + strconv.FormatInt(parent, 10) + "|" + strings.ToLower(name)
	if id, ok := sd.lookups[k]; ok {
		return id
	}
	vals := map[string]any{"name": name}
	if res := sd.st.sc.get(typ); parent != 0 && res.parentAttr != "" {
		vals[res.parentAttr] = parent
	}
	for k, v := range extra {
		vals[k] = v
	}
	r := sd.put(typ, "", vals, sd.refTime, sd.refTime)
	sd.lookups[k] = r.id
	return r.id
}

func (sd *seeder) reference(ref msp.Reference) {
	for _, n := range ref.CompanyTypes {
		sd.lookup("organization-types", n, 0, nil)
	}
	for _, n := range ref.CompanyStatuses {
		sd.lookup("organization-statuses", n, 0, nil)
	}
	for _, n := range ref.ConfigurationTypes {
		sd.lookup("configuration-types", n, 0, nil)
	}
	for _, n := range ref.ConfigurationStatuses {
		sd.lookup("configuration-statuses", n, 0, nil)
	}
	for _, n := range ref.ContactTypes {
		sd.lookup("contact-types", n, 0, nil)
	}
	for _, m := range ref.Manufacturers {
		id, _ := sd.lookup("manufacturers", m.Name, 0, nil).(int64)
		for _, model := range m.Models {
			sd.lookup("models", model, id, nil)
		}
	}
	for _, n := range ref.OperatingSystems {
		sd.lookup("operating-systems", n, 0, nil)
	}
	for _, c := range ref.Countries {
		var extra map[string]any
		if c.Code != "" {
			extra = map[string]any{"iso": c.Code}
		}
		id, _ := sd.lookup("countries", c.Name, 0, extra).(int64)
		for _, r := range c.Regions {
			sd.lookup("regions", msp.RegionName(r), id, nil)
		}
	}
}

// set stores v under name unless it is empty.
func set(vals map[string]any, name string, v any) {
	switch x := v.(type) {
	case nil:
		return
	case string:
		if x == "" {
			return
		}
	case time.Time:
		if x.IsZero() {
			return
		}
	}
	vals[name] = v
}

func dateOf(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(dateLayout)
}

// firstMAC cuts a string holding several MAC addresses to the first one
// when it exceeds IT Glue's 17 characters.
func firstMAC(s string) string {
	if len(s) <= 17 {
		return s
	}
	f := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '/' })
	if len(f) > 0 && len(f[0]) <= 17 {
		return f[0]
	}
	return s[:17]
}

func contactItems(list []msp.ContactItem, phones bool) any {
	if len(list) == 0 {
		return nil
	}
	out := make([]map[string]any, 0, len(list))
	for _, it := range list {
		m := map[string]any{"value": it.Value, "primary": it.Primary}
		if it.Type != "" {
			m["label-name"] = it.Type
		}
		if phones && it.Extension != "" {
			m["extension"] = it.Extension
		}
		out = append(out, m)
	}
	return out
}

func (sd *seeder) side(side msp.Side) error {
	orgs := map[string]int64{}
	for _, c := range side.Companies {
		if _, dup := orgs[c.Key]; dup {
			return fmt.Errorf("company key %q appears twice", c.Key)
		}
		vals := map[string]any{"name": orElse(c.Name, c.Key)}
		set(vals, "short-name", c.Identifier)
		set(vals, "organization-type-id", sd.lookup("organization-types", c.Type, 0, nil))
		set(vals, "organization-status-id", sd.lookup("organization-statuses", c.Status, 0, nil))
		orgs[c.Key] = sd.put("organizations", c.Key, vals, c.Created, c.Updated).id
	}
	for _, c := range side.Companies {
		if p, ok := orgs[c.ParentKey]; ok && c.ParentKey != "" && c.ParentKey != c.Key {
			sd.st.get("organizations", orgs[c.Key]).vals["parent-id"] = p
		}
	}
	for _, c := range side.Companies {
		org := orgs[c.Key]
		sites := map[string]int64{}
		for _, site := range c.Sites {
			vals := map[string]any{"organization-id": org, "name": orElse(site.Name, site.City, "Location"), "primary": site.Primary}
			set(vals, "address-1", site.Address1)
			set(vals, "address-2", site.Address2)
			set(vals, "city", site.City)
			set(vals, "postal-code", site.Zip)
			if country, ok := sd.lookup("countries", site.Country, 0, nil).(int64); ok {
				vals["country-id"] = country
				set(vals, "region-id", sd.lookup("regions", msp.RegionName(site.State), country, nil))
			}
			set(vals, "phone", site.Phone)
			set(vals, "fax", site.Fax)
			sites[site.Key] = sd.put("locations", site.Key, vals, site.Created, site.Updated).id
		}
		contacts := map[string]int64{}
		for _, ct := range c.Contacts {
			vals := map[string]any{"organization-id": org, "first-name": orElse(ct.FirstName, "Unknown")}
			set(vals, "last-name", ct.LastName)
			set(vals, "title", ct.Title)
			set(vals, "contact-type-id", sd.lookup("contact-types", ct.Type, 0, nil))
			if id, ok := sites[ct.SiteKey]; ok {
				vals["location-id"] = id
			}
			set(vals, "contact-emails", contactItems(ct.Emails, false))
			set(vals, "contact-phones", contactItems(ct.Phones, true))
			contacts[ct.Key] = sd.put("contacts", ct.Key, vals, ct.Created, ct.Updated).id
		}
		configs := map[string]int64{}
		for _, cf := range c.Configs {
			vals := map[string]any{"organization-id": org, "name": orElse(cf.Name, cf.Key)}
			set(vals, "hostname", cf.Hostname)
			set(vals, "primary-ip", cf.IPAddress)
			set(vals, "mac-address", firstMAC(cf.MACAddress))
			set(vals, "default-gateway", cf.DefaultGateway)
			set(vals, "serial-number", cf.SerialNumber)
			set(vals, "asset-tag", cf.AssetTag)
			set(vals, "installed-by", cf.InstalledBy)
			set(vals, "notes", cf.Notes)
			set(vals, "installed-at", dateOf(cf.InstalledAt))
			set(vals, "purchased-at", dateOf(cf.PurchasedAt))
			set(vals, "warranty-expires-at", dateOf(cf.WarrantyExpiry))
			typ := cf.Type
			if typ == "" {
				typ = "Unknown"
			}
			set(vals, "configuration-type-id", sd.lookup("configuration-types", typ, 0, nil))
			set(vals, "configuration-status-id", sd.lookup("configuration-statuses", cf.Status, 0, nil))
			if man, ok := sd.lookup("manufacturers", cf.Manufacturer, 0, nil).(int64); ok {
				vals["manufacturer-id"] = man
				set(vals, "model-id", sd.lookup("models", cf.Model, man, nil))
			}
			set(vals, "operating-system-id", sd.lookup("operating-systems", cf.OSType, 0, nil))
			if id, ok := sites[cf.SiteKey]; ok {
				vals["location-id"] = id
			}
			if id, ok := contacts[cf.ContactKey]; ok {
				vals["contact-id"] = id
			}
			configs[cf.Key] = sd.put("configurations", cf.Key, vals, cf.Created, cf.Updated).id
		}
		for _, tk := range c.Tickets {
			vals := map[string]any{"organization-id": org, "number": orElse(tk.Number, tk.Key), "closed": tk.Closed}
			set(vals, "summary", tk.Summary)
			set(vals, "board", tk.Board)
			set(vals, "status", tk.Status)
			set(vals, "priority", tk.Priority)
			if id, ok := contacts[tk.ContactKey]; ok {
				vals["contact-id"] = id
			}
			var ids []int64
			for _, k := range tk.ConfigKeys {
				if id, ok := configs[k]; ok {
					ids = append(ids, id)
				}
			}
			if len(ids) > 0 {
				vals["configuration-ids"] = ids
			}
			set(vals, "psa-created-at", truncMS(tk.Created))
			set(vals, "psa-updated-at", truncMS(tk.Updated))
			sd.put("tickets", tk.Key, vals, tk.Created, tk.Updated)
		}
	}
	return nil
}

// orElse returns the first non-blank value: seeded records always carry
// the attributes IT Glue requires.
func orElse(vals ...string) string {
	for _, v := range vals {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

func truncMS(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Truncate(time.Millisecond)
}
