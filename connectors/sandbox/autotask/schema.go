package autotask

import "strings"

// Data types as entityInformation/fields names them.
const (
	tInt      = "integer"
	tLong     = "long"
	tString   = "string"
	tBool     = "boolean"
	tDateTime = "datetime"
	tDouble   = "double"
)

// field is one property of an entity.
type field struct {
	name     string
	typ      string
	length   int    // strings: maximum length (0: unlimited)
	required bool   // on create (and PUT)
	readOnly bool   // ignored on writes
	picklist bool   // integer picklist (see picklists.go)
	ref      string // referenced entity ("Companies"), checked on writes
	// createOnly fields are accepted on create and refused when an update
	// changes them (a contact's company).
	createOnly bool
}

// udfDef is a user-defined field of an entity.
type udfDef struct {
	name, label, typ string
	length           int
}

// entity is one REST entity ("Companies") with its fields and routes.
type entity struct {
	name   string // as in the URL, e.g. "ConfigurationItems"
	fields []field
	lower  map[string]*field
	// Child entities are written under their parent:
	// /{parent}/{parentId}/{sub}; parentField holds the parent's id.
	parent, sub, parentField string
	// topWrite: POST / PATCH / PUT at /{name} (false for children and
	// read-only entities).
	topWrite  bool
	canCreate bool
	canUpdate bool
	udfs      []udfDef
	// modified names the fields an API write stamps with its time.
	created  string   // set once on create
	modified []string // set on every create and update
}

func (e *entity) field(name string) *field { return e.lower[strings.ToLower(name)] }

func (e *entity) udf(name string) *udfDef {
	for i := range e.udfs {
		if strings.EqualFold(e.udfs[i].name, name) {
			return &e.udfs[i]
		}
	}
	return nil
}

func fd(name, typ string) field { return field{name: name, typ: typ} }
func str(name string, n int) field {
	return field{name: name, typ: tString, length: n}
}
func req(x field) field      { x.required = true; return x }
func ro(x field) field       { x.readOnly = true; return x }
func pick(name string) field { return field{name: name, typ: tInt, picklist: true} }
func ref(name, ent string) field {
	return field{name: name, typ: tInt, ref: ent}
}

// schema declares the modelled entities; field names are the swagger's.
func schema() []*entity {
	es := []*entity{
		{
			name: "Companies", topWrite: true, canCreate: true, canUpdate: true,
			created: "createDate", modified: []string{"lastActivityDate", "lastTrackedModifiedDateTime"},
			fields: []field{
				ro(fd("id", tLong)), req(str("companyName", 100)), str("companyNumber", 50), req(pick("companyType")),
				pick("classification"), req(fd("isActive", tBool)), req(ref("ownerResourceID", "Resources")),
				ref("parentCompanyID", "Companies"), req(str("phone", 25)), str("fax", 25), str("alternatePhone1", 25),
				str("alternatePhone2", 25), str("webAddress", 255), str("address1", 128), str("address2", 128),
				str("additionalAddressInformation", 100), str("city", 30), str("state", 25), str("postalCode", 10),
				pick("countryID"), pick("territoryID"), pick("marketSegmentID"), str("taxID", 50), fd("isTaxExempt", tBool),
				fd("isClientPortalActive", tBool), fd("isTaskFireActive", tBool), fd("isEnabledForComanaged", tBool),
				fd("isSample", tBool), ro(fd("createDate", tDateTime)), ro(fd("createdByResourceID", tInt)),
				ro(fd("lastActivityDate", tDateTime)), ro(fd("lastTrackedModifiedDateTime", tDateTime)),
			},
			udfs: []udfDef{{"Contract Tier", "Contract Tier", "string", 100}, {"After Hours Support", "After Hours Support", "string", 10}},
		},
		{
			name: "CompanyLocations", parent: "Companies", sub: "Locations", parentField: "companyID",
			canCreate: true, canUpdate: true,
			fields: []field{
				ro(fd("id", tLong)), {name: "companyID", typ: tInt, ref: "Companies", createOnly: true}, req(str("name", 100)),
				str("description", 500), fd("isPrimary", tBool), fd("isActive", tBool), str("address1", 100), str("address2", 100),
				str("city", 50), str("state", 25), str("postalCode", 20), pick("countryID"), str("phone", 25),
				str("alternatePhone1", 25), str("alternatePhone2", 25), str("fax", 25), fd("isTaxExempt", tBool),
				fd("overrideCompanyTaxSettings", tBool), fd("roundtripDistance", tDouble),
			},
		},
		{
			name: "Contacts", parent: "Companies", sub: "Contacts", parentField: "companyID",
			canCreate: true, canUpdate: true,
			created: "createDate", modified: []string{"lastActivityDate", "lastModifiedDate"},
			fields: []field{
				ro(fd("id", tLong)), {name: "companyID", typ: tInt, ref: "Companies", createOnly: true},
				ref("companyLocationID", "CompanyLocations"), req(str("firstName", 50)), req(str("lastName", 50)),
				str("middleInitial", 2), str("title", 50), str("emailAddress", 254), str("emailAddress2", 254), str("emailAddress3", 254),
				str("phone", 25), str("extension", 10), str("alternatePhone", 32), str("mobilePhone", 25), str("faxNumber", 25),
				str("addressLine", 128), str("addressLine1", 128), str("city", 32), str("state", 40), str("zipCode", 16), pick("countryID"),
				req(fd("isActive", tInt)), fd("primaryContact", tBool), str("note", 8000), str("externalID", 50),
				fd("receivesEmailNotifications", tBool), ro(fd("createDate", tDateTime)),
				ro(fd("lastActivityDate", tDateTime)), ro(fd("lastModifiedDate", tDateTime)),
			},
			udfs: []udfDef{{"Preferred Contact Method", "Preferred Contact Method", "string", 50}},
		},
		{
			name: "ConfigurationItems", topWrite: true, canCreate: true, canUpdate: true,
			created: "createDate", modified: []string{"lastModifiedTime"},
			fields: []field{
				ro(fd("id", tLong)), req(ref("companyID", "Companies")), ref("companyLocationID", "CompanyLocations"),
				ref("contactID", "Contacts"), req(pick("configurationItemType")), pick("configurationItemCategoryID"),
				req(ref("productID", "Products")), str("referenceTitle", 200), str("referenceNumber", 50), str("serialNumber", 100),
				req(fd("isActive", tBool)), fd("installDate", tDateTime), ref("installedByID", "Resources"),
				ref("installedByContactID", "Contacts"), fd("warrantyExpirationDate", tDateTime), str("location", 100),
				str("notes", 5000), ref("parentConfigurationItemID", "ConfigurationItems"), fd("numberOfUsers", tDouble),
				ro(str("rmmDeviceAuditHostname", 255)), ro(str("rmmDeviceAuditIPAddress", 255)),
				ro(str("rmmDeviceAuditMacAddress", 255)), ro(str("rmmDeviceAuditOperatingSystem", 255)),
				ro(fd("createDate", tDateTime)), ro(fd("createdByPersonID", tInt)), ro(fd("lastModifiedTime", tDateTime)),
			},
			udfs: []udfDef{{"Backup Solution", "Backup Solution", "string", 100}, {"Patch Group", "Patch Group", "string", 50}},
		},
		{
			name: "ConfigurationItemTypes", topWrite: true, canCreate: true, canUpdate: true,
			fields: []field{ro(fd("id", tLong)), req(fd("isActive", tBool)), req(str("name", 50))},
		},
		{
			name: "Products", topWrite: true, canCreate: true, canUpdate: true,
			fields: []field{
				ro(fd("id", tLong)), req(str("name", 100)), str("description", 2000), str("manufacturerName", 100),
				str("manufacturerProductName", 100), str("sku", 50), req(fd("isActive", tBool)), fd("isSerialized", tBool),
				fd("unitCost", tDouble), fd("unitPrice", tDouble), pick("productCategory"),
			},
		},
		{
			name: "Tickets", topWrite: true, canCreate: true, canUpdate: true,
			created: "createDate", modified: []string{"lastActivityDate", "lastTrackedModificationDateTime"},
			fields: []field{
				ro(fd("id", tLong)), ro(str("ticketNumber", 50)), req(str("title", 255)), str("description", 8000),
				req(ref("companyID", "Companies")), ref("companyLocationID", "CompanyLocations"), ref("contactID", "Contacts"),
				ref("configurationItemID", "ConfigurationItems"), req(pick("status")), req(pick("priority")), pick("queueID"),
				pick("ticketType"), pick("source"), pick("issueType"), ref("assignedResourceID", "Resources"),
				fd("dueDateTime", tDateTime), ro(fd("completedDate", tDateTime)), str("resolution", 32000),
				ro(fd("createDate", tDateTime)), ro(fd("creatorResourceID", tInt)), ro(fd("lastActivityDate", tDateTime)),
				ro(fd("lastTrackedModificationDateTime", tDateTime)),
			},
		},
		{
			name: "TicketNotes", parent: "Tickets", sub: "Notes", parentField: "ticketID", canCreate: true, canUpdate: true,
			created: "createDateTime", modified: []string{"lastActivityDate"},
			fields: []field{
				ro(fd("id", tLong)), {name: "ticketID", typ: tInt, ref: "Tickets", createOnly: true}, req(str("title", 250)),
				req(str("description", 32000)), req(pick("noteType")), req(pick("publish")), ref("creatorResourceID", "Resources"),
				ref("createdByContactID", "Contacts"), ro(fd("createDateTime", tDateTime)), ro(fd("lastActivityDate", tDateTime)),
			},
		},
		{
			name: "Resources",
			fields: []field{
				ro(fd("id", tLong)), str("firstName", 50), str("lastName", 50), str("userName", 32), str("email", 254),
				fd("isActive", tBool), str("resourceType", 20), str("title", 50),
			},
		},
	}
	for _, e := range es {
		e.lower = map[string]*field{}
		for i := range e.fields {
			e.lower[strings.ToLower(e.fields[i].name)] = &e.fields[i]
		}
	}
	return es
}
