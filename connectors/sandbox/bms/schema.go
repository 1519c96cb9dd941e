package bms

import (
	"fmt"
	"strings"

	"mapsync/connectors/sandbox/core"
)

// Lookup collections: read-only reference lists served under
// /v2/system/{name}/lookup.
var lookupNames = []string{"accounttypes", "statuses", "priorities", "queues", "issuetypes",
	"assetcategories", "assetstates", "manufacturers", "phonetypes", "emailtypes", "countries"}

// The user id and name written to CreatedBy / ModifiedBy of API writes.
const (
	apiUserID   = 1
	apiUserName = "API Employee"
)

func (s *Sandbox) schema() []*resource {
	var out []*resource
	for _, n := range lookupNames {
		out = append(out, &resource{name: n, what: n, lookup: true, view: lookupView,
			normalize: func(*Sandbox, map[string]any, *core.Record) []string { return nil }})
	}
	return append(out, accountsResource(), locationsResource(), contactsResource(), assetsResource(), ticketsResource(), notesResource())
}

func lookupView(_ *Sandbox, rec *core.Record) map[string]any {
	m := core.DeepCopy(rec.Data)
	m["Id"] = rec.ID
	return m
}

// stamps adds Id and the audit fields every output DTO carries.
func stamps(rec *core.Record, m map[string]any) map[string]any {
	m["Id"] = rec.ID
	m["CreatedBy"] = apiUserID
	m["CreatedOn"] = wireTime(rec.Created)
	m["ModifiedBy"] = apiUserID
	m["ModifiedOn"] = wireTime(rec.Updated)
	return m
}

// copyFields copies the named stored fields (absent ones as null).
func copyFields(m, data map[string]any, names ...string) {
	for _, n := range names {
		m[n] = data[n]
	}
}

// ref returns the record a stored id field points to.
func (s *Sandbox) ref(collection string, data map[string]any, fieldName string) *core.Record {
	id, ok := toInt(data[fieldName])
	if !ok || id <= 0 {
		return nil
	}
	rec, _ := s.res[collection].table.Get(id)
	return rec
}

// lookupName is the Name of a lookup record (nil when unset).
func (s *Sandbox) lookupName(collection string, data map[string]any, fieldName string) any {
	if rec := s.ref(collection, data, fieldName); rec != nil {
		return rec.Data["Name"]
	}
	return nil
}

// lookupID finds a lookup record by name (case-insensitive).
func (s *Sandbox) lookupID(collection, name string) (int64, bool) {
	for _, rec := range s.res[collection].table.All() {
		if strings.EqualFold(str(rec.Data, "Name"), strings.TrimSpace(name)) {
			return rec.ID, true
		}
	}
	return 0, false
}

// lookupDefault is the lookup record marked IsDefault, else the first.
func (s *Sandbox) lookupDefault(collection string) int64 {
	all := s.res[collection].table.All()
	for _, rec := range all {
		if b, _ := rec.Data["IsDefault"].(bool); b {
			return rec.ID
		}
	}
	if len(all) > 0 {
		return all[0].ID
	}
	return 0
}

// checkRef validates an optional (required) id field against a collection,
// and resolves a name given instead (nameField, e.g. "Category") into it.
func (s *Sandbox) checkRef(data map[string]any, idField, nameField, collection string, required bool, probs *[]string) {
	if nameField != "" {
		if name := str(data, nameField); name != "" && intOf(data, idField) == 0 {
			if id, ok := s.lookupID(collection, name); ok {
				data[idField] = id
			} else {
				*probs = append(*probs, fmt.Sprintf("%s: %q is not a known %s", nameField, name, collection))
			}
		}
		delete(data, nameField)
	}
	id := intOf(data, idField)
	if id == 0 {
		delete(data, idField)
		if required {
			*probs = append(*probs, idField+" is required")
		}
		return
	}
	if _, ok := s.res[collection].table.Get(id); !ok {
		*probs = append(*probs, fmt.Sprintf("%s: %d does not exist", idField, id))
	}
}

func required(data map[string]any, probs *[]string, names ...string) {
	for _, n := range names {
		if strings.TrimSpace(str(data, n)) == "" {
			*probs = append(*probs, n+" is required")
		}
	}
}

func defaultTrue(data map[string]any, k string, create bool) {
	if _, ok := data[k]; !ok && create {
		data[k] = true
	}
}

// belongsTo checks that the record an id field names (in collection)
// has AccountId equal to account.
func (s *Sandbox) belongsTo(data map[string]any, idField, collection string, account int64, probs *[]string) {
	rec := s.ref(collection, data, idField)
	if rec == nil {
		if intOf(data, idField) != 0 {
			*probs = append(*probs, fmt.Sprintf("%s: %d does not exist", idField, intOf(data, idField)))
		} else {
			delete(data, idField)
		}
		return
	}
	if intOf(rec.Data, "AccountId") != account {
		*probs = append(*probs, fmt.Sprintf("%s: %d belongs to another account", idField, rec.ID))
	}
}

// ---- accounts

var addressFields = []field{{name: "Address1"}, {name: "Address2"}, {name: "City"}, {name: "State"}, {name: "ZipCode"},
	{name: "CountryId", kind: kInt}, {name: "Country"}, {name: "Phone"}, {name: "Fax"}, {name: "EmailAddress"},
	{name: "IsMain", kind: kBool}, {name: "IsBilling", kind: kBool}}

var locationFields = []field{{name: "LocationName"}, {name: "IsMain", kind: kBool}, {name: "IsActive", kind: kBool},
	{name: "Addresses", kind: kList, sub: addressFields}}

func accountsResource() *resource {
	return &resource{
		name: "accounts", what: "Account",
		fields: []field{{name: "AccountName"}, {name: "AccountCode"}, {name: "AccountTypeId", kind: kInt}, {name: "AccountType"},
			{name: "ParentId", kind: kInt}, {name: "Description"}, {name: "Website"}, {name: "IsActive", kind: kBool},
			{name: "AcquiredDate", kind: kTime}, {name: "Locations", kind: kList, sub: locationFields}},
		aliases:   map[string]string{"name": "AccountName", "parentaccountid": "ParentId"},
		normalize: normalizeAccount,
		after:     afterAccount,
		view:      accountView,
		filters: stampFilters(map[string]filter{
			"accountname": fText("AccountName"), "accountcode": fText("AccountCode"), "accounttypeid": fEq("AccountTypeId"),
			"accounttypename": fText("AccountType"), "isactive": fBool("IsActive"), "ids": fIDs("Id"), "name": fText("AccountName"),
			"parentid": fEq("ParentId"),
		}),
	}
}

func normalizeAccount(s *Sandbox, data map[string]any, self *core.Record) []string {
	var probs []string
	required(data, &probs, "AccountName", "AccountCode")
	s.checkRef(data, "AccountTypeId", "AccountType", "accounttypes", true, &probs)
	if code := strings.TrimSpace(str(data, "AccountCode")); code != "" {
		for _, rec := range s.res["accounts"].table.All() {
			if (self == nil || rec.ID != self.ID) && strings.EqualFold(str(rec.Data, "AccountCode"), code) {
				probs = append(probs, fmt.Sprintf("AccountCode: %q is already used by account %d", code, rec.ID))
			}
		}
	}
	if p := intOf(data, "ParentId"); p != 0 {
		if self != nil && p == self.ID {
			probs = append(probs, "ParentId: an account cannot be its own parent")
		} else if _, ok := s.res["accounts"].table.Get(p); !ok {
			probs = append(probs, fmt.Sprintf("ParentId: %d does not exist", p))
		}
	} else {
		delete(data, "ParentId")
	}
	if locs, ok := data["Locations"].([]any); ok {
		if self != nil {
			delete(data, "Locations") // only a create takes locations inline
		}
		for i, l := range locs {
			if str(l.(map[string]any), "LocationName") == "" {
				probs = append(probs, fmt.Sprintf("Locations[%d].LocationName is required", i))
			}
		}
	}
	defaultTrue(data, "IsActive", self == nil)
	return probs
}

// afterAccount creates the locations a POST carried inline.
func afterAccount(s *Sandbox, rec *core.Record, created bool) {
	locs, ok := rec.Data["Locations"].([]any)
	if !ok {
		return
	}
	for _, l := range locs {
		body := core.DeepCopy(l.(map[string]any))
		_, _ = s.store(s.res["locations"], body, nil, map[string]any{"AccountId": rec.ID})
	}
	_, _ = s.res["accounts"].table.Update(rec.ID, func(d map[string]any) error {
		delete(d, "Locations")
		return nil
	})
}

func accountView(s *Sandbox, rec *core.Record) map[string]any {
	d := rec.Data
	m := stamps(rec, map[string]any{})
	copyFields(m, d, "ParentId", "AccountCode", "AccountTypeId", "AccountName", "Website", "Description", "IsActive", "AcquiredDate")
	m["AccountType"] = s.lookupName("accounttypes", d, "AccountTypeId")
	m["TenantName"] = s.opts.Tenant
	locs := []any{}
	m["MainLocationId"] = nil
	for _, l := range s.locationsOf(rec.ID) {
		locs = append(locs, locationView(s, l))
		if b, _ := l.Data["IsMain"].(bool); b {
			m["MainLocationId"] = l.ID
		}
	}
	m["Locations"] = locs
	return m
}

// ---- locations

func locationsResource() *resource {
	return &resource{
		name: "locations", what: "Location", parentField: "AccountId",
		fields:    locationFields,
		aliases:   map[string]string{"name": "LocationName"},
		system:    []string{"AccountId"},
		normalize: normalizeLocation,
		after:     afterLocation,
		view:      locationView,
		filters: stampFilters(map[string]filter{
			"locationname": fText("LocationName"), "isactive": fBool("IsActive"), "ismain": fBool("IsMain"), "accountid": fEq("AccountId"),
		}),
	}
}

// locationsOf returns an account's locations in id order, from an index
// rebuilt whenever the locations table changed.
func (s *Sandbox) locationsOf(account int64) []*core.Record {
	t := s.res["locations"].table
	v := t.Version() // read first: the index is then at least this new
	s.locIdx.mu.Lock()
	defer s.locIdx.mu.Unlock()
	if s.locIdx.by == nil || s.locIdx.version != v {
		s.locIdx.by = map[int64][]*core.Record{}
		for _, l := range t.All() {
			a := intOf(l.Data, "AccountId")
			s.locIdx.by[a] = append(s.locIdx.by[a], l)
		}
		s.locIdx.version = v
	}
	return s.locIdx.by[account]
}

func normalizeLocation(s *Sandbox, data map[string]any, self *core.Record) []string {
	var probs []string
	required(data, &probs, "LocationName")
	acct := intOf(data, "AccountId")
	if _, ok := s.res["accounts"].table.Get(acct); !ok {
		probs = append(probs, fmt.Sprintf("AccountId: %d does not exist", acct))
	}
	addrs, _ := data["Addresses"].([]any)
	for i, a := range addrs {
		am := a.(map[string]any)
		s.checkRef(am, "CountryId", "", "countries", false, &probs)
		if name := str(am, "Country"); name != "" && intOf(am, "CountryId") == 0 {
			if id, ok := s.lookupID("countries", name); ok {
				am["CountryId"] = id
			} else {
				probs = append(probs, fmt.Sprintf("Addresses[%d].Country: %q is not a known country", i, name))
			}
		}
		if id := intOf(am, "CountryId"); id != 0 {
			if c, ok := s.res["countries"].table.Get(id); ok {
				am["Country"] = c.Data["Name"]
			}
		}
		if _, ok := am["IsMain"]; !ok {
			am["IsMain"] = i == 0
		}
	}
	if addrs == nil {
		data["Addresses"] = []any{}
	}
	defaultTrue(data, "IsActive", self == nil)
	if self == nil {
		if _, ok := data["IsMain"]; !ok {
			data["IsMain"] = len(s.locationsOf(acct)) == 0 // an account's first location is its main one
		}
	}
	if _, ok := data["IsMain"]; !ok {
		data["IsMain"] = false
	}
	return probs
}

// afterLocation keeps one main location per account.
func afterLocation(s *Sandbox, rec *core.Record, _ bool) {
	if b, _ := rec.Data["IsMain"].(bool); !b {
		return
	}
	for _, l := range s.locationsOf(intOf(rec.Data, "AccountId")) {
		if b, _ := l.Data["IsMain"].(bool); b && l.ID != rec.ID {
			_, _ = s.res["locations"].table.Update(l.ID, func(d map[string]any) error {
				d["IsMain"] = false
				return nil
			})
		}
	}
}

func locationView(_ *Sandbox, rec *core.Record) map[string]any {
	m := stamps(rec, map[string]any{})
	copyFields(m, rec.Data, "AccountId", "LocationName", "IsMain", "IsActive")
	addrs := []any{}
	if a, ok := rec.Data["Addresses"].([]any); ok {
		for _, x := range a {
			addrs = append(addrs, core.DeepCopy(x.(map[string]any)))
		}
	}
	m["Addresses"] = addrs
	return m
}

func locationLookupView(_ *Sandbox, rec *core.Record) map[string]any {
	return map[string]any{"Id": rec.ID, "Name": rec.Data["LocationName"], "AccountId": rec.Data["AccountId"], "IsMain": rec.Data["IsMain"]}
}

// ---- contacts

var phoneFields = []field{{name: "Id", kind: kInt}, {name: "Phone", alias: "PhoneNumber"}, {name: "PhoneTypeId", kind: kInt},
	{name: "PhoneType"}, {name: "Extension"}, {name: "IsDefault", kind: kBool}}
var emailFields = []field{{name: "Id", kind: kInt}, {name: "EmailAddress"}, {name: "EmailTypeId", kind: kInt},
	{name: "EmailType"}, {name: "IsDefault", kind: kBool}}

func contactsResource() *resource {
	return &resource{
		name: "contacts", what: "Contact", parentField: "AccountId",
		fields: []field{{name: "AccountId", kind: kInt}, {name: "LocationId", kind: kInt}, {name: "FirstName"}, {name: "MiddleName"},
			{name: "LastName"}, {name: "JobTitle"}, {name: "Poc", kind: kBool}, {name: "IsActive", kind: kBool},
			{name: "Phones", kind: kList, sub: phoneFields}, {name: "Emails", kind: kList, sub: emailFields}},
		aliases:   map[string]string{"ispoc": "Poc", "title": "JobTitle"},
		keepOnPut: []string{"Phones", "Emails"},
		normalize: normalizeContact,
		view:      contactView,
		filters: stampFilters(map[string]filter{
			"accountid": fEq("AccountId"), "accountids": fIDs("AccountId"), "ids": fIDs("Id"), "accountname": fText("AccountName"),
			"firstname": fText("FirstName"), "lastname": fText("LastName"), "jobtitle": fText("JobTitle"),
			"locationid": fEq("LocationId"), "locationname": fText("LocationName"), "ispoc": fBool("Poc"), "isactive": fBool("IsActive"),
			"phone": fItems("Phones", "Phone"), "email": fItems("Emails", "EmailAddress"), "emailaddress": fItems("Emails", "EmailAddress"),
		}),
	}
}

// fItems matches a substring of any item value of a list (phones, emails).
func fItems(list, key string) filter {
	return func(v map[string]any, _ *core.Record, val string) (bool, error) {
		items, _ := v[list].([]any)
		for _, it := range items {
			if strings.Contains(strings.ToLower(str(it.(map[string]any), key)), strings.ToLower(strings.TrimSpace(val))) {
				return true, nil
			}
		}
		return false, nil
	}
}

func normalizeContact(s *Sandbox, data map[string]any, self *core.Record) []string {
	var probs []string
	required(data, &probs, "FirstName")
	acct := intOf(data, "AccountId")
	if _, ok := s.res["accounts"].table.Get(acct); !ok {
		probs = append(probs, fmt.Sprintf("AccountId: %d does not exist", acct))
	}
	if intOf(data, "LocationId") == 0 {
		probs = append(probs, "LocationId is required")
	} else {
		s.belongsTo(data, "LocationId", "locations", acct, &probs)
	}
	var old map[string]any
	if self != nil {
		old = self.Data
	}
	s.contactItems(data, old, "Phones", "Phone", "PhoneTypeId", "PhoneType", "phonetypes", &probs)
	s.contactItems(data, old, "Emails", "EmailAddress", "EmailTypeId", "EmailType", "emailtypes", &probs)
	defaultTrue(data, "IsActive", self == nil)
	if _, ok := data["Poc"]; !ok {
		data["Poc"] = false
	}
	return probs
}

// contactItems checks a phone or email list: at least one item with a
// value, types resolved (id from name or name from id; default "Work"),
// exactly one IsDefault (the first when none is), item ids kept or
// assigned.
func (s *Sandbox) contactItems(data, old map[string]any, list, valueKey, typeIDKey, typeKey, types string, probs *[]string) {
	items, _ := data[list].([]any)
	if len(items) == 0 {
		*probs = append(*probs, fmt.Sprintf("%s: at least one is required", list))
		data[list] = []any{}
		return
	}
	var maxID int64 // new items get ids above every id the list has or had
	if prev, ok := old[list].([]any); ok {
		for _, it := range prev {
			maxID = max(maxID, intOf(it.(map[string]any), "Id"))
		}
	}
	for _, it := range items {
		maxID = max(maxID, intOf(it.(map[string]any), "Id"))
	}
	defaults := 0
	for i, it := range items {
		m := it.(map[string]any)
		if strings.TrimSpace(str(m, valueKey)) == "" {
			*probs = append(*probs, fmt.Sprintf("%s[%d].%s is required", list, i, valueKey))
		}
		if name := str(m, typeKey); name != "" && intOf(m, typeIDKey) == 0 {
			if id, ok := s.lookupID(types, name); ok {
				m[typeIDKey] = id
			} else {
				*probs = append(*probs, fmt.Sprintf("%s[%d].%s: %q is not a known type", list, i, typeKey, name))
			}
		}
		if intOf(m, typeIDKey) == 0 {
			id, _ := s.lookupID(types, "Work")
			m[typeIDKey] = id
		}
		if rec, ok := s.res[types].table.Get(intOf(m, typeIDKey)); ok {
			m[typeKey] = rec.Data["Name"]
		} else {
			*probs = append(*probs, fmt.Sprintf("%s[%d].%s: %d does not exist", list, i, typeIDKey, intOf(m, typeIDKey)))
		}
		if b, _ := m["IsDefault"].(bool); b {
			defaults++
		} else {
			m["IsDefault"] = false
		}
		if id := intOf(m, "Id"); id <= 0 {
			maxID++
			m["Id"] = maxID
		}
	}
	switch {
	case defaults == 0:
		items[0].(map[string]any)["IsDefault"] = true
	case defaults > 1:
		*probs = append(*probs, fmt.Sprintf("%s: only one can be the default", list))
	}
}

func contactView(s *Sandbox, rec *core.Record) map[string]any {
	d := rec.Data
	m := stamps(rec, map[string]any{})
	copyFields(m, d, "AccountId", "LocationId", "FirstName", "MiddleName", "LastName", "JobTitle", "Poc", "IsActive")
	m["AccountName"], m["LocationName"] = nil, nil
	if a := s.ref("accounts", d, "AccountId"); a != nil {
		m["AccountName"] = a.Data["AccountName"]
	}
	if l := s.ref("locations", d, "LocationId"); l != nil {
		m["LocationName"] = l.Data["LocationName"]
	}
	for _, k := range []string{"Phones", "Emails"} {
		items := []any{}
		if a, ok := d[k].([]any); ok {
			for _, x := range a {
				items = append(items, core.DeepCopy(x.(map[string]any)))
			}
		}
		m[k] = items
	}
	m["CreatedByName"], m["ModifiedByName"] = apiUserName, apiUserName
	return m
}

// contactSummaryView is ContactsSummaryOutputDto: IsPoc instead of Poc.
func contactSummaryView(s *Sandbox, rec *core.Record) map[string]any {
	m := contactView(s, rec)
	m["IsPoc"] = m["Poc"]
	delete(m, "Poc")
	delete(m, "CreatedByName")
	delete(m, "ModifiedByName")
	return m
}

func defaultItem(items any, key string) any {
	list, _ := items.([]any)
	for _, it := range list {
		if b, _ := it.(map[string]any)["IsDefault"].(bool); b {
			return it.(map[string]any)[key]
		}
	}
	return nil
}

// contactCreatedView is ContactSummaryOutputDto, the answer of the spec's
// create route: the default phone and email only.
func contactCreatedView(s *Sandbox, rec *core.Record) map[string]any {
	full := contactView(s, rec)
	m := map[string]any{"PhoneNumber": defaultItem(full["Phones"], "Phone"), "EmailAddress": defaultItem(full["Emails"], "EmailAddress"),
		"CustomFieldsData": []any{}}
	copyFields(m, full, "Id", "FirstName", "LastName", "AccountId", "AccountName", "LocationId", "LocationName")
	return m
}

// contactSearchView is ContactsSearchSelectOutputDto.
func contactSearchView(s *Sandbox, rec *core.Record) map[string]any {
	full := contactView(s, rec)
	m := map[string]any{"EmailAddress": defaultItem(full["Emails"], "EmailAddress"), "IsPoc": full["Poc"], "HasClientPortalAccess": false}
	copyFields(m, full, "Id", "AccountId", "AccountName", "LocationId", "LocationName", "FirstName", "LastName", "JobTitle", "IsActive")
	return m
}

// ---- hardware assets

func assetsResource() *resource {
	return &resource{
		name: "hardwareassets", what: "Hardware asset", parentField: "AccountId",
		fields: []field{{name: "Name"}, {name: "AccountId", kind: kInt}, {name: "AccountLocationId", kind: kInt}, {name: "ContactId", kind: kInt},
			{name: "CategoryId", kind: kInt}, {name: "Category"}, {name: "StateId", kind: kInt}, {name: "State"},
			{name: "ManufacturerId", kind: kInt}, {name: "Manufacturer"},
			{name: "SerialNumber"}, {name: "AssetTag"}, {name: "BarCode"}, {name: "ModelNumber"}, {name: "IpAddress"}, {name: "DefaultGateway"},
			{name: "MacAddress"}, {name: "OsType"}, {name: "OsInfo"}, {name: "ComputerName"}, {name: "LocationInfo"}, {name: "Description"},
			{name: "AcquisitionDate", kind: kTime}, {name: "WarrantyExpirationDate", kind: kTime}, {name: "IsActive", kind: kBool}},
		aliases:   map[string]string{"assetname": "Name", "locationid": "AccountLocationId", "statusid": "StateId", "status": "State", "categoryname": "Category"},
		normalize: normalizeAsset,
		view:      assetView,
		filters: stampFilters(map[string]filter{
			"accountid": fEq("AccountId"), "accountids": fIDs("AccountId"), "categoryids": fIDs("CategoryId"), "assetname": fText("Name"),
			"name": fText("Name"), "serialnumber": fText("SerialNumber"), "ipaddress": fText("IpAddress"), "macaddress": fText("MacAddress"),
			"contactid": fEq("ContactId"), "locationname": fText("AccountLocation"), "description": fText("Description"),
			"isactive": fBool("IsActive"), "stateids": fIDs("StateId"), "ids": fIDs("Id"),
		}),
	}
}

func normalizeAsset(s *Sandbox, data map[string]any, self *core.Record) []string {
	var probs []string
	required(data, &probs, "Name")
	acct := intOf(data, "AccountId")
	if _, ok := s.res["accounts"].table.Get(acct); !ok {
		probs = append(probs, fmt.Sprintf("AccountId: %d does not exist", acct))
	}
	s.checkRef(data, "CategoryId", "Category", "assetcategories", true, &probs)
	s.checkRef(data, "StateId", "State", "assetstates", false, &probs)
	s.checkRef(data, "ManufacturerId", "Manufacturer", "manufacturers", false, &probs)
	s.belongsTo(data, "AccountLocationId", "locations", acct, &probs)
	s.belongsTo(data, "ContactId", "contacts", acct, &probs)
	defaultTrue(data, "IsActive", self == nil)
	return probs
}

func assetView(s *Sandbox, rec *core.Record) map[string]any {
	d := rec.Data
	m := map[string]any{"Id": rec.ID, "CreatedById": apiUserID, "CreatedBy": apiUserName, "ModifiedById": apiUserID, "ModifiedBy": apiUserName,
		"CreatedOn": wireTime(rec.Created), "ModifiedOn": wireTime(rec.Updated)}
	copyFields(m, d, "Name", "AccountId", "AccountLocationId", "ContactId", "CategoryId", "StateId", "ManufacturerId", "SerialNumber",
		"AssetTag", "BarCode", "ModelNumber", "IpAddress", "DefaultGateway", "MacAddress", "OsType", "OsInfo", "ComputerName",
		"LocationInfo", "Description", "AcquisitionDate", "WarrantyExpirationDate", "IsActive")
	m["AccountName"], m["AccountLocation"], m["ContactFirstName"], m["ContactLastName"] = nil, nil, nil, nil
	if a := s.ref("accounts", d, "AccountId"); a != nil {
		m["AccountName"] = a.Data["AccountName"]
	}
	if l := s.ref("locations", d, "AccountLocationId"); l != nil {
		m["AccountLocation"] = l.Data["LocationName"]
	}
	if c := s.ref("contacts", d, "ContactId"); c != nil {
		m["ContactFirstName"], m["ContactLastName"] = c.Data["FirstName"], c.Data["LastName"]
	}
	m["Category"] = s.lookupName("assetcategories", d, "CategoryId")
	m["State"] = s.lookupName("assetstates", d, "StateId")
	m["Manufacturer"] = s.lookupName("manufacturers", d, "ManufacturerId")
	return m
}

// assetSearchView is HardwareAssetsListSearchSelectOutputDto.
func assetSearchView(s *Sandbox, rec *core.Record) map[string]any {
	f := assetView(s, rec)
	name := strings.TrimSpace(asString(f["ContactFirstName"]) + " " + asString(f["ContactLastName"]))
	m := map[string]any{"Id": rec.ID, "CategoryName": f["Category"], "CategoryId": f["CategoryId"], "LocationName": f["AccountLocation"],
		"AssetName": f["Name"], "SerialNumber": f["SerialNumber"], "IPAddress": f["IpAddress"], "ContactId": f["ContactId"],
		"ContactName": nil, "AccountId": f["AccountId"], "AccountName": f["AccountName"], "IsActive": f["IsActive"]}
	if name != "" {
		m["ContactName"] = name
	}
	return m
}

// ---- tickets

func ticketsResource() *resource {
	return &resource{
		name: "tickets", what: "Ticket", parentField: "AccountId",
		fields: []field{{name: "Title"}, {name: "Details"}, {name: "AccountId", kind: kInt}, {name: "LocationId", kind: kInt},
			{name: "ContactId", kind: kInt}, {name: "HardwareAssetId", kind: kInt}, {name: "QueueId", kind: kInt}, {name: "StatusId", kind: kInt},
			{name: "PriorityId", kind: kInt}, {name: "IssueTypeId", kind: kInt}, {name: "OpenDate", kind: kTime}, {name: "DueDate", kind: kTime}},
		aliases:   map[string]string{"summary": "Title"},
		system:    []string{"TicketNumber", "CompletedDate", "LastActivityUpdate"},
		normalize: normalizeTicket,
		view:      ticketView,
		filters: stampFilters(map[string]filter{
			"title": fText("Title"), "details": fText("Details"), "account": fText("AccountName"), "accountcode": fText("AccountCode"),
			"ticketnumber": fText("TicketNumber"), "contactname": fText("ContactName"), "locationname": fText("LocationName"),
			"statusnames": fNames("StatusName"), "queuenames": fNames("QueueName"), "prioritynames": fNames("PriorityName"),
			"issuetypenames": fNames("IssueTypeName"), "contactid": fEq("ContactId"), "hardwareassetid": fEq("HardwareAssetId"),
			"accountlocationid": fEq("LocationId"), "accountids": fIDs("AccountId"), "hardwareassetname": fText("HardwareAssetName"),
			"excludecompleted": func(v map[string]any, _ *core.Record, val string) (bool, error) {
				on, ok := toBool(val)
				if !ok {
					return false, fmt.Errorf("%q is not 0 or 1", val)
				}
				return !on || v["CompletedDate"] == nil, nil
			},
			"lastactivityupdatefrom": fTime("LastActivityUpdate", true), "lastactivityupdateto": fTime("LastActivityUpdate", false),
			"opendatefrom": fTime("OpenDate", true), "opendateto": fTime("OpenDate", false),
			"completeddatefrom": fTime("CompletedDate", true), "completeddateto": fTime("CompletedDate", false),
			"duedatefrom": fTime("DueDate", true), "duedateto": fTime("DueDate", false),
		}),
	}
}

func normalizeTicket(s *Sandbox, data map[string]any, self *core.Record) []string {
	var probs []string
	required(data, &probs, "Title")
	acct := intOf(data, "AccountId")
	if _, ok := s.res["accounts"].table.Get(acct); !ok {
		probs = append(probs, fmt.Sprintf("AccountId: %d does not exist", acct))
	}
	for _, c := range [][2]string{{"StatusId", "statuses"}, {"PriorityId", "priorities"}, {"QueueId", "queues"}} {
		if intOf(data, c[0]) == 0 {
			data[c[0]] = s.lookupDefault(c[1])
		}
		s.checkRef(data, c[0], "", c[1], true, &probs)
	}
	s.checkRef(data, "IssueTypeId", "", "issuetypes", false, &probs)
	s.belongsTo(data, "LocationId", "locations", acct, &probs)
	s.belongsTo(data, "ContactId", "contacts", acct, &probs)
	s.belongsTo(data, "HardwareAssetId", "hardwareassets", acct, &probs)
	if len(probs) > 0 {
		return probs
	}
	now := wireTime(s.now())
	if self == nil {
		data["TicketNumber"] = s.nextTicketNumber()
		if _, ok := data["OpenDate"]; !ok {
			data["OpenDate"] = now
		}
	}
	data["LastActivityUpdate"] = now
	st, _ := s.res["statuses"].table.Get(intOf(data, "StatusId"))
	if done, _ := st.Data["IsCompleted"].(bool); done {
		if data["CompletedDate"] == nil {
			data["CompletedDate"] = now
		}
	} else {
		delete(data, "CompletedDate")
	}
	return nil
}

// nextTicketNumber is "T<yyyymmdd>.<nnnn>": the date of now and a running
// number (the format BMS shows; the running number is the sandbox's).
func (s *Sandbox) nextTicketNumber() string {
	return fmt.Sprintf("T%s.%04d", s.now().Format("20060102"), s.res["tickets"].table.NextID())
}

func ticketView(s *Sandbox, rec *core.Record) map[string]any {
	d := rec.Data
	m := stamps(rec, map[string]any{})
	copyFields(m, d, "TicketNumber", "Title", "Details", "AccountId", "LocationId", "ContactId", "HardwareAssetId", "StatusId",
		"PriorityId", "QueueId", "IssueTypeId", "OpenDate", "DueDate", "CompletedDate", "LastActivityUpdate")
	m["AccountCode"], m["AccountName"], m["LocationName"], m["ContactName"], m["ContactEmail"], m["HardwareAssetName"] = nil, nil, nil, nil, nil, nil
	if a := s.ref("accounts", d, "AccountId"); a != nil {
		m["AccountCode"], m["AccountName"] = a.Data["AccountCode"], a.Data["AccountName"]
	}
	if l := s.ref("locations", d, "LocationId"); l != nil {
		m["LocationName"] = l.Data["LocationName"]
	}
	if c := s.ref("contacts", d, "ContactId"); c != nil {
		m["ContactName"] = strings.TrimSpace(str(c.Data, "FirstName") + " " + str(c.Data, "LastName"))
		m["ContactEmail"] = defaultItem(c.Data["Emails"], "EmailAddress")
	}
	if h := s.ref("hardwareassets", d, "HardwareAssetId"); h != nil {
		m["HardwareAssetName"] = h.Data["Name"]
	}
	m["StatusName"] = s.lookupName("statuses", d, "StatusId")
	m["PriorityName"] = s.lookupName("priorities", d, "PriorityId")
	m["QueueName"] = s.lookupName("queues", d, "QueueId")
	m["IssueTypeName"] = s.lookupName("issuetypes", d, "IssueTypeId")
	return m
}

// ---- ticket notes

func notesResource() *resource {
	return &resource{
		name: "ticketnotes", what: "Ticket note", parentField: "TicketId",
		fields:    []field{{name: "Details"}, {name: "IsInternal", kind: kBool}, {name: "NoteDate", kind: kTime}},
		system:    []string{"TicketId", "CreatedByName"},
		normalize: normalizeNote,
		after:     afterNote,
		view:      noteView,
		filters:   stampFilters(map[string]filter{"isinternal": fBool("IsInternal")}),
	}
}

func normalizeNote(s *Sandbox, data map[string]any, self *core.Record) []string {
	var probs []string
	required(data, &probs, "Details")
	if self == nil {
		data["CreatedByName"] = apiUserName
		if _, ok := data["NoteDate"]; !ok {
			data["NoteDate"] = wireTime(s.now())
		}
	}
	if _, ok := data["IsInternal"]; !ok {
		data["IsInternal"] = false
	}
	return probs
}

// afterNote records the activity on the ticket.
func afterNote(s *Sandbox, rec *core.Record, _ bool) {
	_, _ = s.res["tickets"].table.Update(intOf(rec.Data, "TicketId"), func(d map[string]any) error {
		d["LastActivityUpdate"] = wireTime(s.now())
		return nil
	})
}

func noteView(_ *Sandbox, rec *core.Record) map[string]any {
	m := stamps(rec, map[string]any{})
	copyFields(m, rec.Data, "TicketId", "Details", "IsInternal", "NoteDate", "CreatedByName")
	m["ModifiedByName"] = apiUserName
	return m
}
