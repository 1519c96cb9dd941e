package itglue

// Tickets are an ASSUMPTION of this sandbox: IT Glue's public API documents
// no ticket resource (tickets only appear as an include of configurations,
// fed by the PSA integration). The mapping files declare one
// (mappings/itglue.hcl, object "ticket"), so the sandbox serves /tickets
// with the same JSON:API conventions as the documented resources.
// Attribute names are ours; organization-id and number are required, as
// the mapping declares.

func tickets() *resource {
	attrs := []*attr{
		required(ref("organization-id", "organizations")),
		derived("organization-name", nameOf("organization-id", "organizations")),
		required(str("number")),
		str("board"),
		str("summary"),
		str("status"),
		str("priority"),
		scoped(ref("contact-id", "contacts"), [2]string{"organization-id", "organization-id"}),
		derived("contact-name", nameOf("contact-id", "contacts")),
		refList("configuration-ids", "configurations"),
		boolean("closed"),
		datetime("psa-created-at"),
		datetime("psa-updated-at"),
	}
	return &resource{
		typ: "tickets", path: "tickets", idBase: 5_000_001,
		attrs: append(attrs, timestamps()...), label: "number",
		parent: "organizations", parentAttr: "organization-id",
		filters: map[string]filterSpec{
			"id":              {kind: fID},
			"organization_id": {kind: fInt, attr: "organization-id"},
			"number":          {kind: fString, attr: "number"},
			"board":           {kind: fString, attr: "board"},
			"status":          {kind: fString, attr: "status"},
			"priority":        {kind: fString, attr: "priority"},
			"contact_id":      {kind: fInt, attr: "contact-id"},
			"closed":          {kind: fBool, attr: "closed"},
		},
		sorts: map[string]string{
			"id": "id", "number": "number", "created_at": "created-at", "updated_at": "updated-at",
			"psa_updated_at": "psa-updated-at",
		},
		create: true, update: true, bulkUpdate: true, bulkDelete: true,
	}
}
