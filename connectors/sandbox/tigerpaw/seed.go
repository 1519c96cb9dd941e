package tigerpaw

import (
	"fmt"
	"time"

	"mapsync/connectors/sandbox/core"
	"mapsync/connectors/sandbox/msp"
)

// First numbers of the seeded collections; they differ so that a number
// used against the wrong collection is not found by accident.
const (
	firstAccountNumber = 1001
	firstContactNumber = 50001
)

// seedRep is the rep recorded as author of seeded records.
const seedRep = "Sandbox Seed"

// personalNotes are the notes some seeded contacts carry.
var personalNotes = []string{
	"Prefers e-mail over phone calls.",
	"Works part-time; in the office Monday to Wednesday.",
	"Authorised to approve purchases up to $2,500.",
	"Call the mobile number for urgent issues after hours.",
}

// Seed replaces the sandbox's content with the PSA side of d rendered as
// Tigerpaw accounts and contacts: an account's address is the company's
// primary site; a contact's address is its site's (its own block when that
// is not the primary site, a copy of the account's or none when it is);
// phones keep their type, extension and primary flag. SeedCases lists what
// the seed adds to the generated data (phone extensions on accounts, a
// Toll Free number, a Fax or Mobile on some contacts, notes) and the
// records placed for each Tigerpaw rule. Generator keys stay findable
// through IDForKey.
func (s *Sandbox) Seed(d *msp.Dataset) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.accounts.Reset()
	s.contacts.Reset()
	s.keys.Reset()
	defer s.forgetKeys()
	now := d.Options.Now
	if now.IsZero() {
		now = s.opts.Clock()
	}
	p := newPlan(d)
	cs := d.PSA.Companies
	numbers := map[string]int64{}
	for i := range cs {
		numbers[cs[i].Key] = int64(firstAccountNumber + i)
	}
	key := func(k, collection string, id int64) {
		_, _ = s.keys.Put(s.keys.NextID(), now, now, map[string]any{"key": k, "collection": collection, "id": id})
	}
	contactNo := int64(firstContactNumber)
	for i := range cs {
		c := &cs[i]
		acc := account(c, p)
		acc["AccountNumber"] = numbers[c.Key]
		if n, ok := numbers[c.ParentKey]; ok {
			acc["ParentAccountNumber"] = n
		}
		if err := put(s.accounts, accountSchema, numbers[c.Key], c.Created, c.Updated, acc); err != nil {
			return fmt.Errorf("tigerpaw sandbox: seed %s: %w", c.Key, err)
		}
		key(c.Key, Accounts, numbers[c.Key])
		for j, ct := range c.Contacts {
			data := contact(c, j, ct, p, acc["Address"])
			data["AccountNumber"] = numbers[c.Key]
			data["ContactNumber"] = contactNo
			if err := put(s.contacts, contactSchema, contactNo, ct.Created, ct.Updated, data); err != nil {
				return fmt.Errorf("tigerpaw sandbox: seed %s: %w", ct.Key, err)
			}
			key(ct.Key, Contacts, contactNo)
			contactNo++
		}
	}
	return nil
}

// put validates a seeded record like an API write would and stores it.
func put(t *core.Table, sc *schema, id int64, created, updated time.Time, data map[string]any) error {
	created, updated = created.UTC().Truncate(time.Millisecond), updated.UTC().Truncate(time.Millisecond)
	data["DateCreated"], data["DateModified"] = fmtTime(created), fmtTime(updated)
	data["CreatedBy"], data["ModifiedBy"] = seedRep, seedRep
	var e errs
	sc.check(data, &e)
	if len(e) > 0 {
		return fmt.Errorf("invalid %s: %v", sc.singular, e)
	}
	_, err := t.Put(id, created, updated, data)
	return err
}

func str0(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// address renders a site as an address block.
func address(st msp.Site) map[string]any {
	return map[string]any{
		"Address1": str0(st.Address1), "Address2": str0(st.Address2), "City": str0(st.City),
		"State": str0(st.State), "ZipCode": str0(st.Zip), "Country": str0(st.Country),
	}
}

func phone(typ, number, ext string, primary bool) map[string]any {
	return map[string]any{"Type": typ, "Number": number, "Extension": str0(ext), "IsPrimary": primary}
}

func account(c *msp.Company, p *plan) map[string]any {
	data := accountSchema.empty()
	data["AccountID"] = str0(c.Identifier)
	data["AccountName"] = c.Name
	data["AccountType"] = c.Type
	data["Status"] = c.Status
	data["WebSite"] = str0(c.Website)
	for _, st := range c.Sites {
		if st.Primary {
			data["Address"] = address(st)
			break
		}
	}
	var phones []any
	if tf := p.tollFree[c.Key]; tf != "" {
		phones = append(phones, phone("Toll Free", tf, "", false))
	}
	if c.Phone != "" {
		phones = append(phones, phone("Main", c.Phone, p.ext[c.Key], true))
	}
	if c.Fax != "" {
		phones = append(phones, phone("Fax", c.Fax, "", false))
	}
	if phones != nil {
		data["PhoneNumbers"] = phones
	}
	return data
}

// contact renders the j-th contact of c; accountAddr is the account's
// address block.
func contact(c *msp.Company, j int, ct msp.Contact, p *plan, accountAddr any) map[string]any {
	data := contactSchema.empty()
	data["FirstName"] = ct.FirstName
	data["LastName"] = str0(ct.LastName)
	data["Title"] = str0(ct.Title)
	data["ContactType"] = str0(ct.Type)
	data["Active"] = !p.inactive[ct.Key]
	if j%4 == 0 {
		data["PersonalNotes"] = personalNotes[(j/4+len(ct.LastName))%len(personalNotes)]
	}
	st := p.site[ct.Key]
	switch {
	case p.addrNone[ct.Key]:
	case st.Primary:
		if m, ok := accountAddr.(map[string]any); ok {
			data["Address"] = core.DeepCopy(m)
		}
	default:
		data["Address"] = address(st)
	}
	var emails []any
	for _, e := range ct.Emails {
		emails = append(emails, map[string]any{"Address": e.Value, "Type": "Business", "IsPrimary": e.Primary})
	}
	if emails != nil {
		data["EmailAddresses"] = emails
	}
	var phones []any
	for _, ph := range ct.Phones {
		phones = append(phones, phone(phoneType(ph.Type), ph.Value, ph.Extension, ph.Primary))
	}
	if m := p.mobile[ct.Key]; m != "" {
		phones = append(phones, phone("Mobile", m, "", false))
	}
	if f := p.fax[ct.Key]; f != "" {
		phones = append(phones, phone("Fax", f, "", false))
	}
	if phones != nil {
		data["PhoneNumbers"] = phones
	}
	return data
}
