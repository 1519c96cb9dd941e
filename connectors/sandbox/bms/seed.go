package bms

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"mapsync/connectors/sandbox/msp"
)

// First ids of the seeded collections. They differ per collection so that
// an id used against the wrong collection is not found by accident.
const (
	firstAccountID  = 1001
	firstLocationID = 5001
	firstContactID  = 20001
	firstAssetID    = 100001
	firstTicketID   = 300001
	firstNoteID     = 900001
)

// Type names of phones and emails (msp's ContactItem types map onto them).
var (
	phoneTypes = []string{"Work", "Mobile", "Home", "Fax", "Direct"}
	emailTypes = []string{"Work", "Personal", "Other"}
)

// Seed replaces the sandbox's content with the PSA side of d, in the
// API's shapes, plus the lookups (account types, ticket statuses,
// priorities, queues, issue types, asset categories and states,
// manufacturers, phone and email types, countries). Generator keys stay
// findable through IDForKey. Seeded records bypass validation, as records
// typed into the product's UI do: some contacts lack a phone.
func (s *Sandbox) Seed(d *msp.Dataset) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	for _, n := range s.order {
		s.res[n].table.Reset()
	}
	s.keys.Reset()
	defer s.forgetKeys()
	sd := &seeder{s: s, d: d, now: d.Options.Now, byKey: map[string]int64{}}
	if sd.now.IsZero() {
		sd.now = s.now()
	}
	if err := sd.lookups(); err != nil {
		return fmt.Errorf("bms sandbox: seed lookups: %w", err)
	}
	if err := sd.companies(); err != nil {
		return fmt.Errorf("bms sandbox: seed: %w", err)
	}
	return nil
}

type seeder struct {
	s     *Sandbox
	d     *msp.Dataset
	now   time.Time
	byKey map[string]int64
}

func (sd *seeder) put(collection string, id int64, created, updated time.Time, data map[string]any) error {
	for k, v := range data {
		if v == nil || v == "" {
			delete(data, k)
		}
	}
	if _, err := sd.s.res[collection].table.Put(id, created, updated, data); err != nil {
		return fmt.Errorf("%s %d: %w", collection, id, err)
	}
	return nil
}

func (sd *seeder) key(key, collection string, id int64) {
	sd.byKey[key] = id
	_, _ = sd.s.keys.Put(sd.s.keys.NextID(), sd.now, sd.now, map[string]any{"key": key, "collection": collection, "rid": id})
}

// id returns the id of a lookup name (0 when unknown).
func (sd *seeder) id(collection, name string) int64 {
	id, _ := sd.s.lookupID(collection, name)
	return id
}

func (sd *seeder) lookups() error {
	ref := sd.d.Ref
	t := sd.now.AddDate(-3, 0, 0)
	add := func(collection string, data map[string]any) error {
		tbl := sd.s.res[collection].table
		if _, ok := data["IsActive"]; !ok {
			data["IsActive"] = true
		}
		_, err := tbl.Put(tbl.NextID(), t, t, data)
		return err
	}
	var errs []error
	for _, n := range ref.CompanyTypes {
		errs = append(errs, add("accounttypes", map[string]any{"Name": n, "IsClient": n == msp.TypeCustomer, "IsVendor": n == msp.TypeVendor}))
	}
	var statuses, issueTypes []string
	for _, b := range ref.Boards {
		errs = append(errs, add("queues", map[string]any{"Name": b.Name}))
		for _, st := range b.Statuses {
			if !slices.Contains(statuses, st) {
				statuses = append(statuses, st)
			}
		}
		for _, it := range b.Types {
			if !slices.Contains(issueTypes, it) {
				issueTypes = append(issueTypes, it)
			}
		}
	}
	for i, st := range statuses {
		done := st == "Closed" || st == "Resolved" || st == "Completed"
		errs = append(errs, add("statuses", map[string]any{"Name": st, "StatusOrder": i + 1, "IsCompleted": done, "IsSystemStatus": 0,
			"Color": []string{"#2E7D32", "#1565C0", "#EF6C00", "#6A1B9A", "#455A64"}[i%5]}))
	}
	for _, it := range issueTypes {
		errs = append(errs, add("issuetypes", map[string]any{"Name": it}))
	}
	for i, p := range ref.Priorities {
		errs = append(errs, add("priorities", map[string]any{"Name": p, "IsDefault": i == len(ref.Priorities)/2,
			"Color": []string{"#C62828", "#EF6C00", "#F9A825", "#2E7D32"}[i%4]}))
	}
	for _, c := range ref.ConfigurationTypes {
		errs = append(errs, add("assetcategories", map[string]any{"Name": c}))
	}
	for _, c := range ref.ConfigurationStatuses {
		errs = append(errs, add("assetstates", map[string]any{"Name": c}))
	}
	for _, m := range ref.Manufacturers {
		errs = append(errs, add("manufacturers", map[string]any{"Name": m.Name}))
	}
	for _, p := range phoneTypes {
		errs = append(errs, add("phonetypes", map[string]any{"Name": p}))
	}
	for _, e := range emailTypes {
		errs = append(errs, add("emailtypes", map[string]any{"Name": e}))
	}
	for _, c := range ref.Countries {
		errs = append(errs, add("countries", map[string]any{"Name": c.Name, "Code": c.Code}))
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func (sd *seeder) companies() error {
	cs := sd.d.PSA.Companies
	locID, conID, astID, tktID, noteID := int64(firstLocationID), int64(firstContactID), int64(firstAssetID), int64(firstTicketID), int64(firstNoteID)
	codes := map[string]bool{}
	for i := range cs {
		sd.key(cs[i].Key, "accounts", int64(firstAccountID+i))
	}
	for i := range cs {
		c := &cs[i]
		acct := int64(firstAccountID + i)
		code := c.Identifier
		for n := 2; codes[strings.ToLower(code)]; n++ {
			code = fmt.Sprintf("%s%d", c.Identifier, n)
		}
		codes[strings.ToLower(code)] = true
		data := map[string]any{
			"AccountName": c.Name, "AccountCode": code, "AccountTypeId": sd.id("accounttypes", c.Type),
			"IsActive": c.Status == msp.StatusActive, "Website": c.Website, "AcquiredDate": wireTime(c.Created),
		}
		if p, ok := sd.byKey[c.ParentKey]; ok && c.ParentKey != "" {
			data["ParentId"] = p
		}
		if err := sd.put("accounts", acct, c.Created, c.Updated, data); err != nil {
			return err
		}
		// locations: exactly one main (the primary site, else the first)
		main := slices.IndexFunc(c.Sites, func(st msp.Site) bool { return st.Primary })
		if main < 0 {
			main = 0
		}
		var mainLoc int64
		for j, st := range c.Sites {
			phone, fax := st.Phone, st.Fax
			if j == main {
				phone, fax = orElse(phone, c.Phone), orElse(fax, c.Fax)
				mainLoc = locID
			}
			addr := map[string]any{"Address1": st.Address1, "Address2": st.Address2, "City": st.City, "State": st.State,
				"ZipCode": st.Zip, "Phone": phone, "Fax": fax, "IsMain": true, "IsBilling": j == main}
			if cid := sd.id("countries", st.Country); cid != 0 {
				addr["CountryId"], addr["Country"] = cid, st.Country
			}
			for k, v := range addr {
				if v == "" {
					delete(addr, k)
				}
			}
			if err := sd.put("locations", locID, st.Created, st.Updated, map[string]any{
				"AccountId": acct, "LocationName": st.Name, "IsMain": j == main, "IsActive": true, "Addresses": []any{addr},
			}); err != nil {
				return err
			}
			sd.key(st.Key, "locations", locID)
			locID++
		}
		for _, ct := range c.Contacts {
			if err := sd.contact(ct, conID, acct, mainLoc); err != nil {
				return err
			}
			sd.key(ct.Key, "contacts", conID)
			conID++
		}
		for _, cf := range c.Configs {
			if err := sd.asset(cf, astID, acct); err != nil {
				return err
			}
			sd.key(cf.Key, "hardwareassets", astID)
			astID++
		}
		for _, t := range c.Tickets {
			if err := sd.ticket(t, tktID, acct, mainLoc); err != nil {
				return err
			}
			sd.key(t.Key, "tickets", tktID)
			for _, n := range t.Notes {
				by := n.Member
				for _, m := range sd.d.Ref.Members {
					if m.Identifier == n.Member {
						by = m.Name
					}
				}
				if by == "" {
					by = "Client Portal"
				}
				if err := sd.put("ticketnotes", noteID, n.Created, n.Created, map[string]any{
					"TicketId": tktID, "Details": n.Text, "IsInternal": n.Internal, "NoteDate": wireTime(n.Created), "CreatedByName": by,
				}); err != nil {
					return err
				}
				noteID++
			}
			tktID++
		}
	}
	return nil
}

func orElse(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (sd *seeder) contact(ct msp.Contact, id, acct, mainLoc int64) error {
	loc, ok := sd.byKey[ct.SiteKey]
	if !ok || ct.SiteKey == "" {
		loc = mainLoc
	}
	items := func(in []msp.ContactItem, valueKey, typeIDKey, typeKey, types string) []any {
		out := []any{}
		for i, it := range in {
			typ := it.Type
			tid := sd.id(types, typ)
			if tid == 0 {
				typ, tid = "Work", sd.id(types, "Work")
			}
			m := map[string]any{"Id": int64(i + 1), valueKey: it.Value, typeIDKey: tid, typeKey: typ, "IsDefault": it.Primary}
			if it.Extension != "" {
				m["Extension"] = it.Extension
			}
			out = append(out, m)
		}
		return out
	}
	data := map[string]any{
		"AccountId": acct, "FirstName": ct.FirstName, "LastName": ct.LastName, "JobTitle": ct.Title,
		"Poc": ct.Type == "Primary Contact" || ct.Type == "Decision Maker", "IsActive": !ct.Inactive,
		"Phones": items(ct.Phones, "Phone", "PhoneTypeId", "PhoneType", "phonetypes"),
		"Emails": items(ct.Emails, "EmailAddress", "EmailTypeId", "EmailType", "emailtypes"),
	}
	if loc != 0 {
		data["LocationId"] = loc
	}
	return sd.put("contacts", id, ct.Created, ct.Updated, data)
}

// platform derives the OS Type (IT Glue's Platform) from an OS name.
func platform(os string) string {
	l := strings.ToLower(os)
	switch {
	case strings.HasPrefix(l, "windows server"):
		return "Windows Server"
	case strings.HasPrefix(l, "windows"):
		return "Windows"
	case strings.HasPrefix(l, "macos"), strings.HasPrefix(l, "ios"):
		return "Apple"
	case strings.HasPrefix(l, "ubuntu"), strings.HasPrefix(l, "android"):
		return "Linux"
	case l == "":
		return ""
	}
	return "Embedded"
}

func (sd *seeder) asset(cf msp.Configuration, id, acct int64) error {
	data := map[string]any{
		"Name": cf.Name, "AccountId": acct, "CategoryId": sd.id("assetcategories", cf.Type),
		"SerialNumber": cf.SerialNumber, "AssetTag": cf.AssetTag, "ModelNumber": cf.Model, "IpAddress": cf.IPAddress,
		"DefaultGateway": cf.DefaultGateway, "MacAddress": cf.MACAddress, "OsInfo": cf.OSType, "OsType": platform(cf.OSType),
		"ComputerName": cf.Hostname, "Description": cf.Notes,
		"IsActive": cf.Status != msp.CfgStatusInactive && cf.Status != msp.CfgStatusRetired,
	}
	if st := sd.id("assetstates", cf.Status); st != 0 {
		data["StateId"] = st
	}
	if m := sd.id("manufacturers", cf.Manufacturer); m != 0 {
		data["ManufacturerId"] = m
	}
	if l, ok := sd.byKey[cf.SiteKey]; ok && cf.SiteKey != "" {
		data["AccountLocationId"] = l
	}
	if c, ok := sd.byKey[cf.ContactKey]; ok && cf.ContactKey != "" {
		data["ContactId"] = c
	}
	if !cf.PurchasedAt.IsZero() {
		data["AcquisitionDate"] = wireTime(cf.PurchasedAt)
	}
	if !cf.WarrantyExpiry.IsZero() {
		data["WarrantyExpirationDate"] = wireTime(cf.WarrantyExpiry)
	}
	return sd.put("hardwareassets", id, cf.Created, cf.Updated, data)
}

func (sd *seeder) ticket(t msp.Ticket, id, acct, mainLoc int64) error {
	last := t.Updated
	for _, n := range t.Notes {
		if n.Created.After(last) {
			last = n.Created
		}
	}
	data := map[string]any{
		"TicketNumber": fmt.Sprintf("T%s.%s", t.Created.Format("20060102"), t.Number), "Title": t.Summary, "Details": t.Summary,
		"AccountId": acct, "StatusId": sd.id("statuses", t.Status), "PriorityId": sd.id("priorities", t.Priority),
		"QueueId": sd.id("queues", t.Board), "IssueTypeId": sd.id("issuetypes", t.Type),
		"OpenDate": wireTime(t.Created), "LastActivityUpdate": wireTime(last),
	}
	if mainLoc != 0 {
		data["LocationId"] = mainLoc
	}
	if c, ok := sd.byKey[t.ContactKey]; ok && t.ContactKey != "" {
		data["ContactId"] = c
	}
	for _, k := range t.ConfigKeys {
		if a, ok := sd.byKey[k]; ok {
			data["HardwareAssetId"] = a
			break
		}
	}
	if t.Closed {
		data["CompletedDate"] = wireTime(t.Updated)
	}
	for k, v := range data {
		if n, ok := v.(int64); ok && n == 0 {
			delete(data, k)
		}
	}
	return sd.put("tickets", id, t.Created, t.Updated, data)
}
