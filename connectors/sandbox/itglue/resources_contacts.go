package itglue

import "strings"

// Contacts and contact types.

func contactTypes() *resource {
	return lookup("contact-types", "contact_types", 30_001, true)
}

func contacts() *resource {
	attrs := []*attr{
		required(ref("organization-id", "organizations")),
		derived("organization-name", nameOf("organization-id", "organizations")),
		derived("name", contactName),
		required(str("first-name")),
		str("last-name"),
		str("title"),
		ref("contact-type-id", "contact-types"),
		derived("contact-type-name", nameOf("contact-type-id", "contact-types")),
		scoped(ref("location-id", "locations"), [2]string{"organization-id", "organization-id"}),
		derived("location-name", nameOf("location-id", "locations")),
		boolean("important"),
		str("notes"),
		boolean("restricted"),
		items("contact-emails"),
		items("contact-phones"),
		psaIntegration(),
	}
	return &resource{
		typ: "contacts", path: "contacts", idBase: 3_000_001,
		attrs: append(attrs, timestamps()...), label: "name",
		parent: "organizations", parentAttr: "organization-id",
		filters: map[string]filterSpec{
			"id":                   {kind: fID},
			"first_name":           {kind: fString, attr: "first-name"},
			"last_name":            {kind: fString, attr: "last-name"},
			"title":                {kind: fString, attr: "title"},
			"contact_type_id":      {kind: fInt, attr: "contact-type-id"},
			"important":            {kind: fBool, attr: "important"},
			"primary_email":        {kind: fEmail, attr: "contact-emails"},
			"organization_id":      {kind: fInt, attr: "organization-id"},
			"psa_id":               {kind: fPSAID},
			"psa_integration_type": {kind: fPSAType},
		},
		sorts: map[string]string{
			"id": "id", "first_name": "first-name", "last_name": "last-name",
			"created_at": "created-at", "updated_at": "updated-at",
		},
		create: true, update: true, bulkUpdate: true, bulkDelete: true,
		psaLinked: true,
	}
}

// contactName is "first last", trimmed; null when both are empty.
func contactName(_ *store, r *record) any {
	first, _ := r.vals["first-name"].(string)
	last, _ := r.vals["last-name"].(string)
	n := strings.TrimSpace(first + " " + last)
	if n == "" {
		return nil
	}
	return n
}
