package autotask

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"mapsync/connectors/sandbox/msp"
)

// First ids of the seeded entities. They differ per entity so that an id
// used against the wrong entity is not found by accident.
const (
	firstResourceID = 29682885
	firstCompanyID  = 301
	firstLocationID = 5001
	firstContactID  = 30001
	firstProductID  = 401
	firstConfigID   = 200001
	firstTicketID   = 7001
	firstNoteID     = 900001
)

// Seed replaces the sandbox's content with the PSA side of d in Autotask's
// model: Resources (the MSP's technicians), ConfigurationItemTypes,
// Products (one per manufacturer and model; a configuration item's
// manufacturer and model are read through its product), Companies,
// CompanyLocations (the sites), Contacts, ConfigurationItems, Tickets and
// TicketNotes. Generator keys stay findable through IDForKey.
func (sb *Sandbox) Seed(d *msp.Dataset) error {
	sb.writeMu.Lock()
	defer sb.writeMu.Unlock()
	defer sb.forgetKeys()
	for _, name := range sb.db.Names() {
		sb.table(name).Reset()
	}
	sd := &seeder{sb: sb, d: d, now: d.Options.Now, byKey: map[string]int64{}, products: map[string]int64{}, members: map[string]int64{}}
	if sd.now.IsZero() {
		sd.now = sb.now()
	}
	if err := sd.reference(); err != nil {
		return fmt.Errorf("autotask sandbox: seed reference data: %w", err)
	}
	if err := sd.companies(); err != nil {
		return fmt.Errorf("autotask sandbox: seed: %w", err)
	}
	return nil
}

type seeder struct {
	sb       *Sandbox
	d        *msp.Dataset
	now      time.Time
	byKey    map[string]int64 // generator key → id
	products map[string]int64 // manufacturer + "\x00" + model → product id
	members  map[string]int64 // member identifier → resource id
	edge     map[string]bool  // configuration keys placed as edge cases
}

func (sd *seeder) put(entityName string, id int64, created, updated time.Time, data map[string]any) error {
	for k, v := range data {
		switch x := v.(type) {
		case string:
			if x == "" {
				data[k] = nil
			}
		case time.Time:
			if x.IsZero() {
				data[k] = nil
			} else {
				data[k] = fmtTime(x)
			}
		}
	}
	data["id"] = id
	if _, err := sd.sb.table(entityName).Put(id, created, updated, data); err != nil {
		return fmt.Errorf("%s %d: %w", entityName, id, err)
	}
	return nil
}

func (sd *seeder) key(key, entityName string, id int64) {
	sd.byKey[key] = id
	_, _ = sd.sb.keys.Put(sd.sb.keys.NextID(), sd.now, sd.now, map[string]any{"key": key, "entity": entityName, "rid": id})
}

func (sd *seeder) ref(key string) any {
	if id, ok := sd.byKey[key]; ok {
		return id
	}
	return nil
}

func (sd *seeder) pick(entityName, fieldName, label string) any {
	if id, ok := sd.sb.pickID(entityName, fieldName, label); ok {
		return id
	}
	return nil
}

func (sd *seeder) reference() error {
	t := sd.now.AddDate(-3, 0, 0)
	for i, m := range sd.d.Ref.Members {
		id := int64(firstResourceID + i)
		first, last, _ := strings.Cut(m.Name, " ")
		if err := sd.put("Resources", id, t, t, map[string]any{
			"firstName": first, "lastName": last, "userName": m.Identifier, "email": m.Identifier + "@msp.example",
			"isActive": true, "resourceType": "Employee", "title": "Technician",
		}); err != nil {
			return err
		}
		sd.members[m.Identifier] = id
	}
	for i, name := range sd.d.Ref.ConfigurationTypes {
		if err := sd.put("ConfigurationItemTypes", int64(i+1), t, t, map[string]any{"name": name, "isActive": true}); err != nil {
			return err
		}
	}
	sd.edge = map[string]bool{}
	for _, ec := range sd.d.EdgeCases {
		for _, k := range ec.Keys {
			sd.edge[k] = true
		}
	}
	next := int64(firstProductID)
	for _, c := range sd.d.PSA.Companies {
		for _, cf := range c.Configs {
			k := cf.Manufacturer + "\x00" + cf.Model
			if _, ok := sd.products[k]; ok {
				continue
			}
			name := strings.TrimSpace(cf.Manufacturer + " " + cf.Model)
			if name == "" {
				name = "Unspecified Device"
			}
			if err := sd.put("Products", next, t, t, map[string]any{
				"name": name, "manufacturerName": cf.Manufacturer, "manufacturerProductName": cf.Model,
				"description": cf.Type, "isActive": true, "isSerialized": true, "productCategory": int64(1),
			}); err != nil {
				return err
			}
			sd.products[k] = next
			next++
		}
	}
	return nil
}

// resource returns the resource id of a member (the first technician
// when unknown).
func (sd *seeder) resource(member string) any {
	if id, ok := sd.members[member]; ok {
		return id
	}
	return nil
}

func (sd *seeder) owner(i int) any {
	if n := len(sd.d.Ref.Members); n > 0 {
		return int64(firstResourceID + i%n)
	}
	return nil
}

func (sd *seeder) companies() error {
	cs := sd.d.PSA.Companies
	locID, contactID, configID, ticketID, noteID := int64(firstLocationID), int64(firstContactID), int64(firstConfigID), int64(firstTicketID), int64(firstNoteID)
	for i := range cs {
		sd.key(cs[i].Key, "Companies", int64(firstCompanyID+i))
	}
	for i := range cs {
		c := &cs[i]
		if err := sd.company(c, i); err != nil {
			return err
		}
		for _, st := range c.Sites {
			if err := sd.location(st, locID, sd.byKey[c.Key]); err != nil {
				return err
			}
			sd.key(st.Key, "CompanyLocations", locID)
			locID++
		}
		for _, ct := range c.Contacts {
			if err := sd.contact(c, ct, contactID); err != nil {
				return err
			}
			sd.key(ct.Key, "Contacts", contactID)
			contactID++
		}
		for j, cf := range c.Configs {
			if err := sd.config(c, cf, j, configID); err != nil {
				return err
			}
			sd.key(cf.Key, "ConfigurationItems", configID)
			configID++
		}
		for _, t := range c.Tickets {
			if err := sd.ticket(c, t, ticketID); err != nil {
				return err
			}
			sd.key(t.Key, "Tickets", ticketID)
			for _, n := range t.Notes {
				if err := sd.note(t, n, noteID, ticketID); err != nil {
					return err
				}
				noteID++
			}
			ticketID++
		}
	}
	return nil
}

func primarySite(c *msp.Company) *msp.Site {
	if i := slices.IndexFunc(c.Sites, func(s msp.Site) bool { return s.Primary }); i >= 0 {
		return &c.Sites[i]
	}
	if len(c.Sites) > 0 {
		return &c.Sites[0]
	}
	return nil
}

func (sd *seeder) company(c *msp.Company, i int) error {
	n := len(c.Name) + len(c.Identifier)
	data := map[string]any{
		"companyName": c.Name, "companyNumber": c.Identifier,
		"companyType":     sd.pick("Companies", "companyType", c.Type),
		"classification":  int64(100 + n%3),
		"isActive":        c.Status == msp.StatusActive,
		"ownerResourceID": sd.owner(i),
		"phone":           c.Phone, "fax": c.Fax, "webAddress": c.Website,
		"isTaxExempt": false, "isClientPortalActive": false, "isTaskFireActive": false, "isEnabledForComanaged": false, "isSample": false,
		"createDate": c.Created, "createdByResourceID": sd.owner(0),
		"lastActivityDate": c.Updated, "lastTrackedModifiedDateTime": c.Updated,
	}
	if c.ParentKey != "" {
		data["parentCompanyID"] = sd.ref(c.ParentKey)
	}
	if st := primarySite(c); st != nil {
		data["address1"], data["address2"], data["city"], data["state"], data["postalCode"] = st.Address1, st.Address2, st.City, st.State, st.Zip
		data["countryID"] = sd.pick("Companies", "countryID", st.Country)
	}
	tier := []string{"Gold", "Silver", "Bronze", "Platinum"}[n%4]
	var after any = "Yes"
	if n%3 == 0 {
		after = nil // unanswered, as in real tenants
	}
	data["userDefinedFields"] = []any{
		map[string]any{"name": "Contract Tier", "value": tier},
		map[string]any{"name": "After Hours Support", "value": after},
	}
	return sd.put("Companies", sd.byKey[c.Key], c.Created, c.Updated, data)
}

func (sd *seeder) location(st msp.Site, id, company int64) error {
	return sd.put("CompanyLocations", id, st.Created, st.Updated, map[string]any{
		"companyID": company, "name": st.Name, "isPrimary": st.Primary, "isActive": true,
		"address1": st.Address1, "address2": st.Address2, "city": st.City, "state": st.State, "postalCode": st.Zip,
		"countryID": sd.pick("CompanyLocations", "countryID", st.Country), "phone": st.Phone, "fax": st.Fax,
		"isTaxExempt": false, "overrideCompanyTaxSettings": false,
	})
}

func (sd *seeder) contact(c *msp.Company, ct msp.Contact, id int64) error {
	active := int64(1)
	if ct.Inactive {
		active = 0
	}
	data := map[string]any{
		"companyID": sd.byKey[c.Key], "companyLocationID": sd.ref(ct.SiteKey),
		"firstName": ct.FirstName, "lastName": ct.LastName, "title": ct.Title, "isActive": active,
		"primaryContact": ct.Type == "Primary Contact", "receivesEmailNotifications": true,
		"createDate": ct.Created, "lastActivityDate": ct.Updated, "lastModifiedDate": ct.Updated,
	}
	for i, e := range ct.Emails {
		switch i {
		case 0:
			data["emailAddress"] = e.Value
		case 1:
			data["emailAddress2"] = e.Value
		}
	}
	for _, p := range ct.Phones {
		switch p.Type {
		case "Mobile":
			data["mobilePhone"] = p.Value
		case "Fax":
			data["faxNumber"] = p.Value
		case "Home":
			data["alternatePhone"] = p.Value
		default:
			if data["phone"] == nil {
				data["phone"], data["extension"] = p.Value, p.Extension
			} else {
				data["alternatePhone"] = p.Value
			}
		}
	}
	// The generator gives contacts no fax or alternate number: the
	// primary contact gets the site's fax, decision makers the company's
	// main number as their alternate.
	if st := siteByKey(c, ct.SiteKey); st != nil && ct.Type == "Primary Contact" && data["faxNumber"] == nil {
		data["faxNumber"] = st.Fax
	}
	if ct.Type == "Decision Maker" && data["alternatePhone"] == nil {
		data["alternatePhone"] = c.Phone
	}
	if st := siteByKey(c, ct.SiteKey); st != nil {
		data["addressLine"], data["city"], data["state"], data["zipCode"] = st.Address1, st.City, st.State, st.Zip
		data["countryID"] = sd.pick("Contacts", "countryID", st.Country)
	}
	method := []string{"Email", "Phone", "Mobile"}[len(ct.LastName)%3]
	data["userDefinedFields"] = []any{map[string]any{"name": "Preferred Contact Method", "value": method}}
	return sd.put("Contacts", id, ct.Created, ct.Updated, data)
}

func siteByKey(c *msp.Company, key string) *msp.Site {
	for i := range c.Sites {
		if c.Sites[i].Key == key {
			return &c.Sites[i]
		}
	}
	return nil
}

// noTitle reports whether a configuration item is seeded without a
// reference title, so that its product's name stands in for it: about
// one in nine, never an edge-case record (their names matter).
func (sd *seeder) noTitle(cf msp.Configuration, j int) bool {
	return j%9 == 4 && !sd.edge[cf.Key]
}

func (sd *seeder) config(c *msp.Company, cf msp.Configuration, j int, id int64) error {
	typ, _ := sd.sb.pickID("ConfigurationItems", "configurationItemType", cf.Type)
	data := map[string]any{
		"companyID": sd.byKey[c.Key], "companyLocationID": sd.ref(cf.SiteKey), "contactID": sd.ref(cf.ContactKey),
		"configurationItemType": typ, "configurationItemCategoryID": int64(1),
		"productID":      sd.products[cf.Manufacturer+"\x00"+cf.Model],
		"referenceTitle": cf.Name, "referenceNumber": cf.AssetTag, "serialNumber": cf.SerialNumber,
		"isActive":    cf.Status == msp.CfgStatusActive || cf.Status == msp.CfgStatusInStock,
		"installDate": cf.InstalledAt, "installedByID": sd.resource(cf.InstalledBy),
		"warrantyExpirationDate": cf.WarrantyExpiry, "notes": cf.Notes,
		"rmmDeviceAuditHostname": cf.Hostname, "rmmDeviceAuditIPAddress": cf.IPAddress,
		"rmmDeviceAuditMacAddress": cf.MACAddress, "rmmDeviceAuditOperatingSystem": cf.OSType,
		"createDate": cf.Created, "lastModifiedTime": cf.Updated,
	}
	if sd.noTitle(cf, j) {
		data["referenceTitle"] = nil
	}
	if st := siteByKey(c, cf.SiteKey); st != nil {
		data["location"] = st.Name
	}
	var backup any
	if cf.Type == msp.CfgServer {
		backup = []string{"Datto SIRIS", "Veeam Backup & Replication", "Azure Backup"}[len(cf.Name)%3]
	}
	data["userDefinedFields"] = []any{
		map[string]any{"name": "Backup Solution", "value": backup},
		map[string]any{"name": "Patch Group", "value": []string{"Pilot", "Broad", "Manual"}[len(cf.Key)%3]},
	}
	return sd.put("ConfigurationItems", id, cf.Created, cf.Updated, data)
}

// ticket labels of the generator's statuses, priorities, boards, types
// and sources in Autotask's picklists.
var (
	ticketStatus = map[string]string{"New": "New", "In Progress": "In Progress", "Waiting on Customer": "Waiting Customer",
		"Scheduled": "Dispatched", "Resolved": "Complete", "Closed": "Complete", "Acknowledged": "Acknowledged", "Completed": "Complete"}
	ticketPriority = map[string]string{"Priority 1 - Emergency Response": "Critical", "Priority 2 - Quick Response": "High",
		"Priority 3 - Normal Response": "Medium", "Priority 4 - Schedule Maintenance": "Low"}
	ticketQueue  = map[string]string{"Help Desk": "Help Desk", "Alerts": "Monitoring Alert", "Projects": "Projects"}
	ticketType   = map[string]string{"Incident": "Incident", "Service Request": "Service Request", "Problem": "Problem", "Monitoring": "Alert", "Vulnerability": "Alert"}
	ticketSource = map[string]string{"Phone": "Phone", "Email": "Email", "Portal": "Client Portal", "Walk-in": "In Person / Onsite",
		"RMM Alert": "Monitoring Alert", "ConnectSecure": "Insourced Scanner"}
)

func (sd *seeder) ticket(c *msp.Company, t msp.Ticket, id int64) error {
	data := map[string]any{
		"ticketNumber": fmt.Sprintf("T%s.%s", t.Created.UTC().Format("20060102"), lastN(t.Number, 4)),
		"title":        t.Summary, "companyID": sd.byKey[c.Key], "contactID": sd.ref(t.ContactKey),
		"status":     sd.pick("Tickets", "status", ticketStatus[t.Status]),
		"priority":   sd.pick("Tickets", "priority", ticketPriority[t.Priority]),
		"queueID":    sd.pick("Tickets", "queueID", ticketQueue[t.Board]),
		"ticketType": sd.pick("Tickets", "ticketType", ticketType[t.Type]),
		"source":     sd.pick("Tickets", "source", ticketSource[t.Source]),
		"createDate": t.Created, "lastActivityDate": t.Updated, "lastTrackedModificationDateTime": t.Updated,
		"creatorResourceID": sd.owner(0),
	}
	if st := primarySite(c); st != nil {
		data["companyLocationID"] = sd.ref(st.Key)
	}
	if len(t.ConfigKeys) > 0 {
		data["configurationItemID"] = sd.ref(t.ConfigKeys[0])
	}
	if t.Closed {
		data["completedDate"] = t.Updated
	}
	if len(t.Notes) > 0 {
		data["description"] = t.Notes[0].Text
	}
	return sd.put("Tickets", id, t.Created, t.Updated, data)
}

func lastN(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func (sd *seeder) note(t msp.Ticket, n msp.TicketNote, id, ticket int64) error {
	noteType, publish := "Task Detail", "All Autotask Users"
	switch {
	case n.Resolution:
		noteType = "Resolution"
	case n.Internal:
		noteType, publish = "Internal Notes", "Internal Only"
	}
	title, _, _ := strings.Cut(n.Text, ". ")
	if len(title) > 60 {
		title = title[:60]
	}
	data := map[string]any{
		"ticketID": ticket, "title": title, "description": n.Text,
		"noteType": sd.pick("TicketNotes", "noteType", noteType), "publish": sd.pick("TicketNotes", "publish", publish),
		"createDateTime": n.Created, "lastActivityDate": n.Created,
	}
	if n.Member != "" {
		data["creatorResourceID"] = sd.resource(n.Member)
	} else {
		data["createdByContactID"] = sd.ref(t.ContactKey)
	}
	return sd.put("TicketNotes", id, n.Created, n.Created, data)
}
