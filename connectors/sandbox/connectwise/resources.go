package connectwise

import (
	"maps"
	"strings"

	"mapsync/connectors/sandbox/core"
)

// defaults fills fields a write left out, the way ConnectWise does.
func (s *Sandbox) defaults(res *resource, v *validator) {
	setDefaultRef := func(field string, target *resource, filter func(*core.Record) bool) {
		if _, ok := v.out[field]; ok {
			return
		}
		if d := findDefault(target, filter); d != nil {
			v.out[field] = s.refTo(target, d, field)
		}
	}
	switch res.name {
	case "companies":
		setDefaultRef("status", s.byName["companyStatuses"], nil)
		if v.old == nil {
			if _, ok := v.out["types"]; !ok {
				if d := findDefault(s.byName["companyTypes"], nil); d != nil {
					v.out["types"] = []any{s.refTo(s.byName["companyTypes"], d, "types")}
				}
			}
		}
	case "configurations":
		setDefaultRef("status", s.byName["configurationStatuses"], nil)
		if _, ok := v.out["activeFlag"]; !ok {
			closed := false
			if st, ok := v.out["status"].(map[string]any); ok {
				n, _ := asNumber(st["id"])
				if r, ok := s.byName["configurationStatuses"].table.Get(int64(n)); ok {
					closed, _ = r.Data["closedFlag"].(bool)
				}
			}
			v.out["activeFlag"] = !closed
		}
	case "tickets":
		if _, ok := v.out["recordType"]; !ok {
			v.out["recordType"] = "ServiceTicket"
		}
		setDefaultRef("board", s.byName["boards"], nil)
		setDefaultRef("priority", s.byName["priorities"], nil)
		if b, ok := v.out["board"].(map[string]any); ok && v.in["status"] == nil {
			bid, _ := asNumber(b["id"])
			if d := findDefault(s.byName["boardStatuses"], func(r *core.Record) bool {
				return parentIDOf(s.byName["boardStatuses"], r.Data) == int64(bid)
			}); d != nil {
				v.in["status"] = map[string]any{"id": d.ID}
			}
		}
	case "ticketNotes":
		if v.old == nil {
			v.out["dateCreated"] = cwTime(s.now())
			v.out["createdBy"] = s.opts.APIMember
		}
	}
}

// checks runs the rules that span fields, after every field is resolved.
func (s *Sandbox) checks(res *resource, v *validator, selfID int64) {
	for _, u := range res.unique {
		want, _ := v.out[u].(string)
		if want == "" {
			continue
		}
		if dup := findBy(res, func(r *core.Record) bool {
			got, _ := r.Data[u].(string)
			return r.ID != selfID && strings.EqualFold(got, want)
		}); dup != nil {
			v.fail("ObjectExists", u, "The %s %q is already used by %s %d.", u, want, res.singular, dup.ID)
		}
	}
	switch res.name {
	case "contacts":
		s.communicationItems(v)
		s.typeIDs(v)
	case "ticketNotes":
		flag := func(n string) bool { b, _ := v.out[n].(bool); return b }
		if !flag("detailDescriptionFlag") && !flag("internalAnalysisFlag") && !flag("resolutionFlag") {
			v.fail("InvalidField", "detailDescriptionFlag", "At least one of detailDescriptionFlag, internalAnalysisFlag or resolutionFlag must be true.")
		}
	case "tickets":
		s.checkAssociation(v) // security.go
		closed := false
		if st := v.resolved["status"]; st != nil {
			closed, _ = st.Data["closedStatus"].(bool)
		}
		wasClosed := false
		if v.old != nil {
			wasClosed, _ = v.old["closedFlag"].(bool)
		}
		v.out["closedFlag"] = closed
		switch {
		case closed && wasClosed:
			if d, ok := v.old["closedDate"]; ok {
				v.out["closedDate"] = d
				v.out["closedBy"] = v.old["closedBy"]
			}
		case closed:
			v.out["closedDate"] = cwTime(s.now())
			v.out["closedBy"] = s.opts.APIMember
		default:
			delete(v.out, "closedDate")
			delete(v.out, "closedBy")
		}
		delete(v.out, "contactName")
		delete(v.out, "contactEmailAddress")
		if ct := v.resolved["contact"]; ct != nil {
			v.out["contactName"] = displayName(s.byName["contacts"], ct.Data)
			if e := primaryEmail(ct.Data); e != "" {
				v.out["contactEmailAddress"] = e
			}
		}
	}
}

// typeIDs turns a contact's typeIds (accepted on POST) into types.
func (s *Sandbox) typeIDs(v *validator) {
	ids, ok := v.out["typeIds"].([]any)
	delete(v.out, "typeIds")
	if !ok || v.old != nil {
		return
	}
	f := &field{name: "types", kind: fRef, ref: "contactTypes"}
	var types []any
	for _, id := range ids {
		if ref, _ := v.ref(f, map[string]any{"id": id}); ref != nil {
			types = append(types, ref)
		}
	}
	if len(types) > 0 {
		v.out["types"] = types
	}
}

// primaryEmail returns a contact's default e-mail address.
func primaryEmail(data map[string]any) string {
	items, _ := data["communicationItems"].([]any)
	first := ""
	for _, it := range items {
		m, _ := it.(map[string]any)
		if m["communicationType"] != "Email" {
			continue
		}
		val, _ := m["value"].(string)
		if d, _ := m["defaultFlag"].(bool); d {
			return val
		}
		if first == "" {
			first = val
		}
	}
	return first
}

// communicationItems validates a contact's e-mail addresses and numbers:
// each needs a type (resolved against /company/communicationTypes) and a
// value; communicationType (Email, Phone, Fax) follows from the type.
func (s *Sandbox) communicationItems(v *validator) {
	items, ok := v.out["communicationItems"].([]any)
	if !ok {
		return
	}
	f := &field{name: "type", kind: fRef, ref: "communicationTypes"}
	var nextID int64 = 1
	for _, it := range items {
		if m, ok := it.(map[string]any); ok {
			if n, ok := asNumber(m["id"]); ok && int64(n) >= nextID {
				nextID = int64(n) + 1
			}
		}
	}
	out := make([]any, 0, len(items))
	for i, it := range items {
		m, ok := it.(map[string]any)
		if !ok {
			v.fail("InvalidField", "communicationItems", "communicationItems[%d] must be an object.", i)
			continue
		}
		val, _ := m["value"].(string)
		if val == "" {
			v.fail("NullValue", "communicationItems", "communicationItems[%d].value is required.", i)
			continue
		}
		if len(val) > 250 {
			v.fail("InvalidField", "communicationItems", "communicationItems[%d].value must be at most 250 characters.", i)
			continue
		}
		if m["type"] == nil {
			v.fail("NullValue", "communicationItems", "communicationItems[%d].type is required.", i)
			continue
		}
		ref, rec := v.ref(f, m["type"])
		if ref == nil {
			continue
		}
		item := maps.Clone(m)
		item["type"] = ref
		kind := "Phone"
		if b, _ := rec.Data["emailFlag"].(bool); b {
			kind = "Email"
			if !strings.Contains(val, "@") {
				v.fail("InvalidField", "communicationItems", "communicationItems[%d].value %q is not an e-mail address.", i, val)
				continue
			}
		} else if b, _ := rec.Data["faxFlag"].(bool); b {
			kind = "Fax"
		}
		item["communicationType"] = kind
		if _, ok := item["defaultFlag"].(bool); !ok {
			item["defaultFlag"] = false
		}
		if _, ok := asNumber(item["id"]); !ok {
			item["id"] = nextID
			nextID++
		}
		out = append(out, item)
	}
	v.out["communicationItems"] = out
}

// afterWrite keeps derived data in step after a stored write: a new
// company gets its "Main" site, a new ticket its description note, and
// renaming a record refreshes the references other records hold to it.
func (s *Sandbox) afterWrite(res *resource, rec *core.Record, old *core.Record) {
	switch res.name {
	case "companies":
		if old == nil {
			s.createMainSite(rec)
		}
	case "sites":
		if on, _ := rec.Data["primaryAddressFlag"].(bool); on {
			if old == nil {
				s.movePrimarySite(rec)
			} else if was, _ := old.Data["primaryAddressFlag"].(bool); !was {
				s.movePrimarySite(rec)
			}
		}
	case "tickets":
		if old == nil {
			s.initialNotes(rec)
		}
	}
	if old != nil && (displayName(res, old.Data) != displayName(res, rec.Data) || old.Data["identifier"] != rec.Data["identifier"]) {
		s.refreshRefs(res, rec)
	}
}

// createMainSite gives a new company the site ConnectWise creates from its
// address, and points company.site at it.
func (s *Sandbox) createMainSite(company *core.Record) {
	sites := s.byName["sites"]
	data := map[string]any{"name": "Main", "primaryAddressFlag": true, "defaultShippingFlag": true, "defaultBillingFlag": true, "defaultMailingFlag": true, "inactiveFlag": false}
	for _, k := range []string{"addressLine1", "addressLine2", "city", "zip", "phoneNumber", "faxNumber"} {
		if v, ok := company.Data[k]; ok {
			data[k] = v
		}
	}
	if c, ok := company.Data["country"]; ok {
		data["country"] = c
	}
	data["company"] = s.refTo(s.byName["companies"], company, "company")
	site := sites.table.Insert(data)
	cd := core.DeepCopy(company.Data)
	cd["site"] = s.refTo(sites, site, "site")
	_, _ = s.byName["companies"].table.Put(company.ID, company.Created, company.Updated, cd)
}

// movePrimarySite makes site the company's primary one, as ConnectWise
// does when a site is flagged primary: the company's other sites lose the
// flag and company.site points at it (both records change, so their
// lastUpdated moves).
func (s *Sandbox) movePrimarySite(site *core.Record) {
	ref, _ := site.Data["company"].(map[string]any)
	cid, ok := asNumber(ref["id"])
	if !ok {
		return
	}
	sites, companies := s.byName["sites"], s.byName["companies"]
	for _, other := range sites.table.All() {
		if other.ID == site.ID {
			continue
		}
		oref, _ := other.Data["company"].(map[string]any)
		if n, _ := asNumber(oref["id"]); n != cid {
			continue
		}
		if on, _ := other.Data["primaryAddressFlag"].(bool); on {
			_, _ = sites.table.Update(other.ID, func(d map[string]any) error { d["primaryAddressFlag"] = false; return nil })
		}
	}
	_, _ = companies.table.Update(int64(cid), func(d map[string]any) error {
		d["site"] = s.refTo(sites, site, "site")
		return nil
	})
}

// initialNotes turns initialDescription / initialInternalAnalysis into
// notes; ConnectWise does not return those fields.
func (s *Sandbox) initialNotes(ticket *core.Record) {
	notes := s.byName["ticketNotes"]
	add := func(key, flag string) {
		text, _ := ticket.Data[key].(string)
		if text == "" {
			return
		}
		notes.table.Insert(map[string]any{
			"ticketId": ticket.ID, "text": text, flag: true,
			"dateCreated": cwTime(ticket.Created), "createdBy": s.opts.APIMember,
			"internalFlag": flag == "internalAnalysisFlag", "externalFlag": flag != "internalAnalysisFlag",
		})
	}
	add("initialDescription", "detailDescriptionFlag")
	add("initialInternalAnalysis", "internalAnalysisFlag")
	cd := core.DeepCopy(ticket.Data)
	delete(cd, "initialDescription")
	delete(cd, "initialInternalAnalysis")
	_, _ = s.byName["tickets"].table.Put(ticket.ID, ticket.Created, ticket.Updated, cd)
}

// refreshRefs rewrites the references to rec held by other records, as
// ConnectWise renders them from the current name. Their lastUpdated does
// not change.
func (s *Sandbox) refreshRefs(target *resource, rec *core.Record) {
	for _, r := range s.res {
		var fields []string
		for _, f := range r.fields {
			if (f.kind == fRef || f.kind == fRefList) && f.ref == target.name {
				fields = append(fields, f.name)
			}
		}
		if r.parent == target.name && !r.parentInt {
			fields = append(fields, r.parentField)
		}
		if len(fields) == 0 {
			continue
		}
		for _, other := range r.table.All() {
			changed := false
			data := other.Data
			for _, fname := range fields {
				switch x := data[fname].(type) {
				case map[string]any:
					if n, _ := asNumber(x["id"]); int64(n) == rec.ID {
						if !changed {
							data, changed = core.DeepCopy(other.Data), true
						}
						data[fname] = s.refTo(target, rec, fname)
					}
				case []any:
					for i, e := range x {
						if m, ok := e.(map[string]any); ok {
							if n, _ := asNumber(m["id"]); int64(n) == rec.ID {
								if !changed {
									data, changed = core.DeepCopy(other.Data), true
								}
								data[fname].([]any)[i] = s.refTo(target, rec, fname)
							}
						}
					}
				}
			}
			if changed {
				_, _ = r.table.Put(other.ID, other.Created, other.Updated, data)
			}
		}
	}
}
