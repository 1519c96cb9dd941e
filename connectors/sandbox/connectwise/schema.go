package connectwise

import "mapsync/connectors/sandbox/core"

// fieldKind is the JSON type a field accepts on writes.
type fieldKind int

const (
	fString  fieldKind = iota
	fInt               // integer
	fNumber            // any number
	fBool              //
	fDate              // RFC 3339 date-time string
	fRef               // reference object {id | identifier | name}
	fRefList           // array of references
	fArray             // array kept as given (validated by the resource)
	fObject            // object kept as given
)

// field declares one writable or server-maintained field of a resource.
type field struct {
	name     string
	kind     fieldKind
	max      int    // maximum string length (0 = none)
	required bool   // writes without it fail with NullValue
	ref      string // target resource of fRef / fRefList
	scopeBy  string // fRef: the target must belong to the record this field of ours references
	postOnly bool   // accepted on POST; PUT and PATCH keep the stored value
	readOnly bool   // maintained by the server; input is ignored
}

// resource is one collection of the API.
type resource struct {
	name     string // table name, e.g. "configurations"
	singular string // for messages: "configuration"
	path     string // under the API base; nested paths contain {parentId}
	parent   string // resource of {parentId} for nested collections
	// parentField names the field that holds the parent: a reference
	// ("company") or, for ticket notes, an integer ("ticketId").
	parentField string
	parentInt   bool
	fields      []field
	// nameField is the field shown as "name" in references to this
	// resource ("name", or "description" for statuses and contact types);
	// identifier is set when references also carry an identifier.
	nameField  string
	identifier bool
	// fullName renders the reference name from two fields (contacts:
	// firstName lastName; members likewise).
	fullName [2]string
	// unique lists fields whose value (case-insensitive) must be unique
	// within the collection (company identifier).
	unique []string
	// readOnly collections reject writes with 405.
	readOnly bool

	table  *core.Table
	fieldM map[string]*field
}

func (r *resource) field(name string) *field { return r.fieldM[name] }

// schema returns the resources the sandbox serves, in registration order.
func schema() []*resource {
	str := func(name string, max int) field { return field{name: name, kind: fString, max: max} }
	req := func(f field) field { f.required = true; return f }
	ref := func(name, target string) field { return field{name: name, kind: fRef, ref: target} }
	b := func(name string) field { return field{name: name, kind: fBool} }
	date := func(name string) field { return field{name: name, kind: fDate} }
	ro := func(f field) field { f.readOnly = true; return f }

	rs := []*resource{
		{name: "companyTypes", singular: "companyType", path: "/company/companies/types", nameField: "name",
			fields: []field{req(str("name", 50)), b("defaultFlag"), b("vendorFlag"), b("serviceAlertFlag"), str("serviceAlertMessage", 100)}},
		{name: "companyStatuses", singular: "companyStatus", path: "/company/companies/statuses", nameField: "name",
			fields: []field{req(str("name", 50)), b("defaultFlag"), b("inactiveFlag"), b("notifyFlag"), b("disallowSavingFlag"), str("notificationMessage", 500), b("customNoteFlag"), b("cancelOpenTracksFlag")}},
		{name: "countries", singular: "country", path: "/company/countries", nameField: "name",
			fields: []field{req(str("name", 50)), b("defaultFlag"), str("currencyCode", 3)}},
		{name: "states", singular: "state", path: "/company/states", nameField: "name", identifier: true,
			fields: []field{req(str("identifier", 50)), req(str("name", 50)), ref("country", "countries")}},
		{name: "manufacturers", singular: "manufacturer", path: "/procurement/manufacturers", nameField: "name",
			fields: []field{req(str("name", 50)), b("inactiveFlag")}},
		{name: "members", singular: "member", path: "/system/members", identifier: true, fullName: [2]string{"firstName", "lastName"}, readOnly: true,
			fields: []field{req(str("identifier", 15)), req(str("firstName", 30)), req(str("lastName", 30)), str("title", 50), b("inactiveFlag"), str("officeEmail", 250)}},
		{name: "contactTypes", singular: "contactType", path: "/company/contacts/types", nameField: "description",
			fields: []field{req(str("description", 50)), b("defaultFlag")}},
		{name: "communicationTypes", singular: "communicationType", path: "/company/communicationTypes", nameField: "description",
			fields: []field{req(str("description", 50)), b("phoneFlag"), b("faxFlag"), b("emailFlag"), b("defaultFlag")}},
		{name: "configurationTypes", singular: "configurationType", path: "/company/configurations/types", nameField: "name",
			fields: []field{req(str("name", 50)), b("inactiveFlag"), b("systemFlag")}},
		{name: "configurationTypeQuestions", singular: "configurationTypeQuestion", path: "/company/configurations/types/{parentId}/questions",
			parent: "configurationTypes", parentField: "configurationType", nameField: "question",
			fields: []field{ref("configurationType", "configurationTypes"), req(str("fieldType", 20)), req(str("entryType", 20)), {name: "sequenceNumber", kind: fNumber, required: true},
				req(str("question", 1000)), {name: "numberOfDecimals", kind: fInt}, b("requiredFlag"), b("inactiveFlag")}},
		{name: "configurationStatuses", singular: "configurationStatus", path: "/company/configurations/statuses", nameField: "description",
			fields: []field{req(str("description", 50)), b("closedFlag"), b("defaultFlag")}},
		{name: "companies", singular: "company", path: "/company/companies", nameField: "name", identifier: true, unique: []string{"identifier"},
			fields: []field{
				req(str("identifier", 25)), req(str("name", 50)), ref("status", "companyStatuses"),
				{name: "types", kind: fRefList, ref: "companyTypes", postOnly: true},
				str("addressLine1", 50), str("addressLine2", 50), str("city", 50), str("state", 50), str("zip", 12),
				ref("country", "countries"), str("phoneNumber", 30), str("faxNumber", 30), str("website", 255),
				{name: "site", kind: fRef, ref: "sites", readOnly: true},
				ref("parentCompany", "companies"), date("dateAcquired"), b("deletedFlag"), b("leadFlag"),
				{name: "customFields", kind: fArray},
			}},
		{name: "sites", singular: "site", path: "/company/companies/{parentId}/sites", parent: "companies", parentField: "company", nameField: "name",
			fields: []field{
				req(str("name", 50)), str("addressLine1", 50), str("addressLine2", 50), str("city", 50),
				{name: "stateReference", kind: fRef, ref: "states"}, str("zip", 12), ref("country", "countries"),
				str("phoneNumber", 30), str("phoneNumberExt", 30), str("faxNumber", 30),
				b("primaryAddressFlag"), b("defaultShippingFlag"), b("defaultBillingFlag"), b("defaultMailingFlag"), b("inactiveFlag"),
				ro(ref("company", "companies")),
			}},
		{name: "contacts", singular: "contact", path: "/company/contacts", fullName: [2]string{"firstName", "lastName"},
			fields: []field{
				req(str("firstName", 30)), str("lastName", 30), ref("company", "companies"),
				{name: "site", kind: fRef, ref: "sites", scopeBy: "company"},
				str("title", 100), str("department", 50), b("inactiveFlag"), b("defaultFlag"),
				{name: "types", kind: fRefList, ref: "contactTypes"},
				{name: "typeIds", kind: fArray, postOnly: true}, // POST only; becomes types, never returned
				{name: "communicationItems", kind: fArray},
				{name: "customFields", kind: fArray},
			}},
		{name: "configurations", singular: "configuration", path: "/company/configurations", nameField: "name",
			fields: []field{
				req(str("name", 100)), {name: "type", kind: fRef, ref: "configurationTypes", required: true},
				ref("status", "configurationStatuses"),
				{name: "company", kind: fRef, ref: "companies", required: true},
				{name: "contact", kind: fRef, ref: "contacts", scopeBy: "company"},
				{name: "site", kind: fRef, ref: "sites", scopeBy: "company"},
				str("deviceIdentifier", 100), str("serialNumber", 250), str("modelNumber", 50), str("tagNumber", 50),
				date("purchaseDate"), date("installationDate"), ref("installedBy", "members"), date("warrantyExpirationDate"),
				str("vendorNotes", 0), str("notes", 0), str("macAddress", 25), str("lastLoginName", 100), b("billFlag"),
				str("ipAddress", 50), str("defaultGateway", 50), str("osType", 250), str("osInfo", 250),
				ref("manufacturer", "manufacturers"), str("manufacturerPartNumber", 50),
				{name: "questions", kind: fArray}, b("activeFlag"), str("managementLink", 1000), str("remoteLink", 1000),
				{name: "customFields", kind: fArray},
			}},
		{name: "boards", singular: "board", path: "/service/boards", nameField: "name",
			fields: []field{req(str("name", 50)), b("inactiveFlag"), b("projectFlag")}},
		{name: "boardStatuses", singular: "boardStatus", path: "/service/boards/{parentId}/statuses", parent: "boards", parentField: "board", nameField: "name",
			fields: []field{req(str("name", 50)), ro(ref("board", "boards")), {name: "sortOrder", kind: fInt}, b("displayOnBoard"), b("inactive"), b("closedStatus"), b("defaultFlag"), b("timeEntryNotAllowed")}},
		{name: "boardTypes", singular: "boardType", path: "/service/boards/{parentId}/types", parent: "boards", parentField: "board", nameField: "name",
			fields: []field{req(str("name", 50)), ro(ref("board", "boards")), str("category", 50), b("defaultFlag"), b("inactiveFlag")}},
		{name: "boardSubtypes", singular: "boardSubType", path: "/service/boards/{parentId}/subtypes", parent: "boards", parentField: "board", nameField: "name",
			fields: []field{req(str("name", 50)), ro(ref("board", "boards")), b("defaultFlag"), b("inactiveFlag")}},
		{name: "boardItems", singular: "boardItem", path: "/service/boards/{parentId}/items", parent: "boards", parentField: "board", nameField: "name",
			fields: []field{req(str("name", 50)), ro(ref("board", "boards")), b("defaultFlag"), b("inactiveFlag")}},
		{name: "priorities", singular: "priority", path: "/service/priorities", nameField: "name",
			fields: []field{req(str("name", 50)), str("color", 50), {name: "sortOrder", kind: fInt}, b("defaultFlag")}},
		{name: "sources", singular: "source", path: "/service/sources", nameField: "name",
			fields: []field{req(str("name", 50)), b("defaultFlag")}},
		{name: "tickets", singular: "ticket", path: "/service/tickets", nameField: "summary",
			fields: []field{
				req(str("summary", 100)), str("recordType", 30),
				ref("board", "boards"),
				{name: "status", kind: fRef, ref: "boardStatuses", scopeBy: "board"},
				{name: "company", kind: fRef, ref: "companies", required: true},
				{name: "site", kind: fRef, ref: "sites", scopeBy: "company"},
				{name: "contact", kind: fRef, ref: "contacts", scopeBy: "company"},
				ro(str("contactName", 62)), ro(str("contactEmailAddress", 250)),
				{name: "type", kind: fRef, ref: "boardTypes", scopeBy: "board"},
				{name: "subType", kind: fRef, ref: "boardSubtypes", scopeBy: "board"},
				{name: "item", kind: fRef, ref: "boardItems", scopeBy: "board"},
				ref("priority", "priorities"), ref("source", "sources"), ref("owner", "members"),
				{name: "initialDescription", kind: fString, postOnly: true}, {name: "initialInternalAnalysis", kind: fString, postOnly: true},
				b("processNotifications"), ro(b("closedFlag")), ro(date("closedDate")), ro(str("closedBy", 30)),
				{name: "requiredDate", kind: fDate}, str("externalXRef", 100), str("poNumber", 50),
				{name: "customFields", kind: fArray},
			}},
		{name: "ticketNotes", singular: "serviceNote", path: "/service/tickets/{parentId}/notes", parent: "tickets", parentField: "ticketId", parentInt: true, nameField: "text",
			fields: []field{
				ro(field{name: "ticketId", kind: fInt}), req(str("text", 0)),
				b("detailDescriptionFlag"), b("internalAnalysisFlag"), b("resolutionFlag"), b("issueFlag"),
				ref("member", "members"), ref("contact", "contacts"), b("customerUpdatedFlag"), b("processNotifications"),
				ro(date("dateCreated")), ro(str("createdBy", 30)), b("internalFlag"), b("externalFlag"),
			}},
	}
	rs = append(rs, extraResources()...) // security.go
	for _, r := range rs {
		r.fieldM = map[string]*field{}
		for i := range r.fields {
			r.fieldM[r.fields[i].name] = &r.fields[i]
		}
	}
	return rs
}
