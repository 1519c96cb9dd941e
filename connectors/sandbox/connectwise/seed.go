package connectwise

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"mapsync/connectors/sandbox/core"
	"mapsync/connectors/sandbox/msp"
)

// First ids of the seeded collections. They differ per collection so that
// an id used against the wrong collection is not found by accident;
// tickets keep the generator's ticket numbers.
const (
	firstCompanyID = 250
	firstSiteID    = 10001
	firstContactID = 20001
	firstConfigID  = 100001
	firstNoteID    = 500001
)

// seedBy is the member recorded as the author of seeded records.
const seedBy = "sandbox"

// Seed replaces the sandbox's content with the PSA side of d, rendered
// with ConnectWise's field names, plus the reference data (types,
// statuses, boards, priorities, ...). Generator keys stay findable through
// IDForKey.
func (s *Sandbox) Seed(d *msp.Dataset) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	for _, r := range s.res {
		r.table.Reset()
	}
	s.keys.Reset()
	s.ticketConfigs.Reset()
	defer s.forgetKeys()
	sd := &seeder{s: s, d: d, now: d.Options.Now, byName: map[string]map[string]*core.Record{}, byKey: map[string]*core.Record{}}
	if sd.now.IsZero() {
		sd.now = s.now()
	}
	if err := sd.reference(); err != nil {
		return fmt.Errorf("connectwise sandbox: seed reference data: %w", err)
	}
	if err := sd.security(); err != nil { // security.go
		return fmt.Errorf("connectwise sandbox: seed security roles: %w", err)
	}
	if err := sd.companies(); err != nil {
		return fmt.Errorf("connectwise sandbox: seed: %w", err)
	}
	return nil
}

type seeder struct {
	s   *Sandbox
	d   *msp.Dataset
	now time.Time
	// byName indexes reference records: collection → lower-case name → record.
	byName map[string]map[string]*core.Record
	byKey  map[string]*core.Record // generator key → record
	nextID map[string]int64
}

// put stores a seeded record with its id and _info.
func (sd *seeder) put(collection string, id int64, created, updated time.Time, data map[string]any) (*core.Record, error) {
	res := sd.s.byName[collection]
	for k, v := range data {
		if m, ok := v.(map[string]any); ok && m == nil {
			delete(data, k) // an unknown reference is left out, not null
		}
	}
	data["id"] = id
	data["_info"] = seedInfo(created, updated, seedBy)
	rec, err := res.table.Put(id, created, updated, data)
	if err != nil {
		return nil, fmt.Errorf("%s %d: %w", collection, id, err)
	}
	return rec, nil
}

// putRef stores a reference record under the next id of its collection
// and indexes it by name.
func (sd *seeder) putRef(collection, name string, data map[string]any) (*core.Record, error) {
	if sd.nextID == nil {
		sd.nextID = map[string]int64{}
	}
	sd.nextID[collection]++
	t := sd.now.AddDate(-3, 0, 0)
	rec, err := sd.put(collection, sd.nextID[collection], t, t, data)
	if err != nil {
		return nil, err
	}
	if sd.byName[collection] == nil {
		sd.byName[collection] = map[string]*core.Record{}
	}
	sd.byName[collection][strings.ToLower(name)] = rec
	return rec, nil
}

// ref renders a reference to a reference record by name (nil if unknown).
func (sd *seeder) ref(collection, name, field string) map[string]any {
	rec := sd.byName[collection][strings.ToLower(name)]
	if rec == nil {
		return nil
	}
	return sd.s.refTo(sd.s.byName[collection], rec, field)
}

func (sd *seeder) refRec(collection string, rec *core.Record, field string) map[string]any {
	return sd.s.refTo(sd.s.byName[collection], rec, field)
}

func setIf(m map[string]any, k string, v any) {
	switch x := v.(type) {
	case string:
		if x == "" {
			return
		}
	case map[string]any:
		if x == nil {
			return
		}
	case time.Time:
		if x.IsZero() {
			return
		}
		v = cwTime(x)
	}
	m[k] = v
}

// key records a generator key.
func (sd *seeder) key(key, collection string, rec *core.Record) {
	sd.byKey[key] = rec
	// Put with the data set's time, so that seeding twice gives the same fixture.
	_, _ = sd.s.keys.Put(sd.s.keys.NextID(), sd.now, sd.now, map[string]any{"key": key, "collection": collection, "rid": rec.ID})
}

func (sd *seeder) companies() error {
	cs := sd.d.PSA.Companies
	siteID, contactID, configID, noteID := int64(firstSiteID), int64(firstContactID), int64(firstConfigID), int64(firstNoteID)
	companyRecs := make([]*core.Record, len(cs))
	for i := range cs {
		c := &cs[i]
		rec, err := sd.company(c, int64(firstCompanyID+i))
		if err != nil {
			return err
		}
		companyRecs[i] = rec
		sd.key(c.Key, "companies", rec)
	}
	for i := range cs {
		c := &cs[i]
		company := companyRecs[i]
		compRef := sd.refRec("companies", company, "company")
		var primary *core.Record
		for _, st := range c.Sites {
			rec, err := sd.site(st, siteID, compRef)
			if err != nil {
				return err
			}
			siteID++
			sd.key(st.Key, "sites", rec)
			if st.Primary && primary == nil {
				primary = rec
			}
		}
		data := core.DeepCopy(company.Data)
		if primary != nil {
			data["site"] = sd.refRec("sites", primary, "site")
		}
		if c.ParentKey != "" {
			if p := sd.byKey[c.ParentKey]; p != nil {
				data["parentCompany"] = sd.refRec("companies", p, "parentCompany")
			}
		}
		if _, err := sd.s.byName["companies"].table.Put(company.ID, company.Created, company.Updated, data); err != nil {
			return err
		}
		for _, ct := range c.Contacts {
			rec, err := sd.contact(ct, contactID, compRef)
			if err != nil {
				return err
			}
			contactID++
			sd.key(ct.Key, "contacts", rec)
		}
		for _, cf := range c.Configs {
			rec, err := sd.config(cf, configID, compRef)
			if err != nil {
				return err
			}
			configID++
			sd.key(cf.Key, "configurations", rec)
		}
		for _, t := range c.Tickets {
			rec, err := sd.ticket(t, compRef, c)
			if err != nil {
				return err
			}
			sd.key(t.Key, "tickets", rec)
			for _, ck := range t.ConfigKeys {
				if cfg := sd.byKey[ck]; cfg != nil {
					_, _ = sd.s.ticketConfigs.Put(sd.s.ticketConfigs.NextID(), t.Created, t.Created, map[string]any{"ticketId": rec.ID, "configurationId": cfg.ID})
				}
			}
			for _, n := range t.Notes {
				if _, err := sd.note(n, noteID, rec, t); err != nil {
					return err
				}
				noteID++
			}
		}
	}
	return nil
}

func (sd *seeder) company(c *msp.Company, id int64) (*core.Record, error) {
	data := map[string]any{
		"identifier": c.Identifier, "name": c.Name,
		"status":      sd.ref("companyStatuses", c.Status, "status"),
		"types":       []any{sd.ref("companyTypes", c.Type, "types")},
		"deletedFlag": false, "leadFlag": c.Type == msp.TypeProspect,
		"dateAcquired": cwTime(c.Created),
	}
	if len(c.Sites) > 0 {
		st := c.Sites[0]
		setIf(data, "addressLine1", st.Address1)
		setIf(data, "addressLine2", st.Address2)
		setIf(data, "city", st.City)
		setIf(data, "state", st.State)
		setIf(data, "zip", st.Zip)
		setIf(data, "country", sd.ref("countries", st.Country, "country"))
	}
	setIf(data, "phoneNumber", c.Phone)
	setIf(data, "faxNumber", c.Fax)
	setIf(data, "website", c.Website)
	data["customFields"] = companyCustomFields(c)
	return sd.put("companies", id, c.Created, c.Updated, data)
}

// companyCustomFields gives every company the custom fields an MSP
// typically defines on companies (CustomFieldValue: id, caption, type,
// entryMethod, numberOfDecimals, value, connectWiseId), with values derived
// from the company so the data set stays deterministic. Some are left
// unanswered, as in real tenants.
func companyCustomFields(c *msp.Company) []any {
	n := len(c.Name) + len(c.Identifier)
	tier := []string{"Gold", "Silver", "Bronze", "Platinum"}[n%4]
	field := func(id int, caption, typ, entry string, value any) map[string]any {
		return map[string]any{"id": id, "caption": caption, "type": typ, "entryMethod": entry, "numberOfDecimals": 0,
			"value": value, "connectWiseId": fmt.Sprintf("cf-%d", id)}
	}
	out := []any{
		field(1, "Contract Tier", "Text", "List", tier),
		field(2, "After Hours Support", "Checkbox", "EntryField", n%3 != 0),
	}
	if c.Type == msp.TypeCustomer && n%2 == 0 {
		out = append(out, field(3, "Onboarding Date", "Date", "Date", cwTime(c.Created)))
	} else {
		out = append(out, field(3, "Onboarding Date", "Date", "Date", nil))
	}
	return out
}

func (sd *seeder) site(st msp.Site, id int64, company map[string]any) (*core.Record, error) {
	data := map[string]any{
		"name": st.Name, "primaryAddressFlag": st.Primary, "defaultShippingFlag": st.Primary,
		"defaultBillingFlag": st.Primary, "defaultMailingFlag": st.Primary, "inactiveFlag": false, "company": company,
	}
	setIf(data, "addressLine1", st.Address1)
	setIf(data, "addressLine2", st.Address2)
	setIf(data, "city", st.City)
	setIf(data, "stateReference", sd.ref("states", st.Country+"/"+st.State, "stateReference"))
	setIf(data, "zip", st.Zip)
	setIf(data, "country", sd.ref("countries", st.Country, "country"))
	setIf(data, "phoneNumber", st.Phone)
	setIf(data, "faxNumber", st.Fax)
	return sd.put("sites", id, st.Created, st.Updated, data)
}

func (sd *seeder) contact(ct msp.Contact, id int64, company map[string]any) (*core.Record, error) {
	data := map[string]any{"firstName": ct.FirstName, "company": company, "inactiveFlag": ct.Inactive, "defaultFlag": false}
	setIf(data, "lastName", ct.LastName)
	setIf(data, "title", ct.Title)
	if st := sd.byKey[ct.SiteKey]; st != nil {
		data["site"] = sd.refRec("sites", st, "site")
	}
	if t := sd.ref("contactTypes", ct.Type, "types"); t != nil {
		data["types"] = []any{t}
	}
	var items []any
	add := func(it msp.ContactItem, typ string) {
		kind := "Phone"
		switch typ {
		case "Email":
			kind = "Email"
		case "Fax":
			kind = "Fax"
		}
		m := map[string]any{"id": int64(len(items) + 1), "type": sd.ref("communicationTypes", typ, "type"), "value": it.Value,
			"defaultFlag": it.Primary, "communicationType": kind}
		setIf(m, "extension", it.Extension)
		items = append(items, m)
	}
	for _, e := range ct.Emails {
		add(e, "Email")
	}
	for _, p := range ct.Phones {
		typ := p.Type
		if sd.byName["communicationTypes"][strings.ToLower(typ)] == nil {
			typ = "Direct"
		}
		add(p, typ)
	}
	data["communicationItems"] = items
	if items == nil {
		data["communicationItems"] = []any{}
	}
	return sd.put("contacts", id, ct.Created, ct.Updated, data)
}

func (sd *seeder) config(cf msp.Configuration, id int64, company map[string]any) (*core.Record, error) {
	status := sd.byName["configurationStatuses"][strings.ToLower(cf.Status)]
	closed := false
	if status != nil {
		closed, _ = status.Data["closedFlag"].(bool)
	}
	data := map[string]any{
		"name": cf.Name, "type": sd.ref("configurationTypes", cf.Type, "type"), "company": company, "activeFlag": !closed, "billFlag": false,
	}
	if status != nil {
		data["status"] = sd.refRec("configurationStatuses", status, "status")
	}
	if ct := sd.byKey[cf.ContactKey]; ct != nil {
		data["contact"] = sd.refRec("contacts", ct, "contact")
	}
	if st := sd.byKey[cf.SiteKey]; st != nil {
		data["site"] = sd.refRec("sites", st, "site")
	}
	setIf(data, "serialNumber", cf.SerialNumber)
	setIf(data, "modelNumber", cf.Model)
	setIf(data, "tagNumber", cf.AssetTag)
	setIf(data, "macAddress", cf.MACAddress)
	setIf(data, "ipAddress", cf.IPAddress)
	setIf(data, "defaultGateway", cf.DefaultGateway)
	setIf(data, "osType", cf.OSType)
	setIf(data, "manufacturer", sd.ref("manufacturers", cf.Manufacturer, "manufacturer"))
	setIf(data, "installationDate", cf.InstalledAt)
	setIf(data, "installedBy", sd.ref("members", cf.InstalledBy, "installedBy"))
	setIf(data, "purchaseDate", cf.PurchasedAt)
	setIf(data, "warrantyExpirationDate", cf.WarrantyExpiry)
	setIf(data, "notes", cf.Notes)
	if qs := typeQuestions(cf.Type); len(qs) > 0 {
		var out []any
		for i, q := range qs {
			qrec := sd.byName["configurationTypeQuestions"][strings.ToLower(cf.Type+"/"+q)]
			m := map[string]any{"answerId": id*10 + int64(i), "questionId": qrec.ID, "question": q, "sequenceNumber": i + 1,
				"numberOfDecimals": 0, "fieldType": "Text", "requiredFlag": false}
			if a := questionAnswer(q, cf); a != "" {
				m["answer"] = a
			}
			out = append(out, m)
		}
		data["questions"] = out
	}
	return sd.put("configurations", id, cf.Created, cf.Updated, data)
}

// questionAnswer gives some questions a plausible answer.
func questionAnswer(q string, cf msp.Configuration) string {
	switch q {
	case "Backup Solution":
		return []string{"Datto SIRIS", "Veeam Backup & Replication", "Azure Backup"}[len(cf.Name)%3]
	case "Firmware Version":
		return cf.OSType
	}
	return ""
}

func (sd *seeder) ticket(t msp.Ticket, company map[string]any, c *msp.Company) (*core.Record, error) {
	var id int64
	if _, err := fmt.Sscan(t.Number, &id); err != nil || id <= 0 {
		return nil, fmt.Errorf("ticket %s: number %q is not a positive integer", t.Key, t.Number)
	}
	data := map[string]any{
		"summary": t.Summary, "recordType": "ServiceTicket", "company": company,
		"board":      sd.ref("boards", t.Board, "board"),
		"status":     sd.ref("boardStatuses", t.Board+"/"+t.Status, "status"),
		"type":       sd.ref("boardTypes", t.Board+"/"+t.Type, "type"),
		"closedFlag": t.Closed, "processNotifications": false,
	}
	setIf(data, "priority", sd.ref("priorities", t.Priority, "priority"))
	setIf(data, "source", sd.ref("sources", t.Source, "source"))
	if i := slices.IndexFunc(c.Sites, func(st msp.Site) bool { return st.Primary }); i >= 0 {
		if st := sd.byKey[c.Sites[i].Key]; st != nil {
			data["site"] = sd.refRec("sites", st, "site")
		}
	}
	if ct := sd.byKey[t.ContactKey]; ct != nil {
		data["contact"] = sd.refRec("contacts", ct, "contact")
		data["contactName"] = displayName(sd.s.byName["contacts"], ct.Data)
		setIf(data, "contactEmailAddress", primaryEmail(ct.Data))
	}
	if t.Closed {
		data["closedDate"] = cwTime(t.Updated)
		data["closedBy"] = seedBy
	}
	return sd.put("tickets", id, t.Created, t.Updated, data)
}

func (sd *seeder) note(n msp.TicketNote, id int64, ticket *core.Record, t msp.Ticket) (*core.Record, error) {
	data := map[string]any{
		"ticketId": ticket.ID, "text": n.Text,
		"detailDescriptionFlag": !n.Internal && !n.Resolution, "internalAnalysisFlag": n.Internal, "resolutionFlag": n.Resolution,
		"issueFlag": false, "customerUpdatedFlag": n.Member == "", "processNotifications": false,
		"dateCreated": cwTime(n.Created), "internalFlag": n.Internal, "externalFlag": !n.Internal,
	}
	if n.Member != "" {
		setIf(data, "member", sd.ref("members", n.Member, "member"))
		data["createdBy"] = n.Member
	} else if ct := sd.byKey[t.ContactKey]; ct != nil {
		data["contact"] = sd.refRec("contacts", ct, "contact")
		data["createdBy"] = "Portal"
	}
	return sd.put("ticketNotes", id, n.Created, n.Created, data)
}
