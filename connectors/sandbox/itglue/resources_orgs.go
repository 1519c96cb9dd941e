package itglue

// Organizations and their reference data (organization types and statuses).

func organizationTypes() *resource {
	return lookup("organization-types", "organization_types", 10_001, true)
}

func organizationStatuses() *resource {
	return lookup("organization-statuses", "organization_statuses", 20_001, true)
}

func organizations() *resource {
	attrs := []*attr{
		required(str("name")),
		str("alert"),
		str("description"),
		ref("organization-type-id", "organization-types"),
		derived("organization-type-name", nameOf("organization-type-id", "organization-types")),
		ref("organization-status-id", "organization-statuses"),
		derived("organization-status-name", nameOf("organization-status-id", "organization-statuses")),
		boolean("primary"),
		str("logo"),
		{name: "quick-notes", kind: kString, listMax: 250},
		str("short-name"),
		ref("parent-id", "organizations"),
		psaIntegration(),
		psaCustomFields(),
	}
	return &resource{
		typ: "organizations", path: "organizations", idBase: 1_000_001,
		attrs: append(attrs, timestamps()...), label: "name",
		filters: map[string]filterSpec{
			"id":                     {kind: fID},
			"name":                   {kind: fString, attr: "name"},
			"organization_type_id":   {kind: fInt, attr: "organization-type-id"},
			"organization_status_id": {kind: fInt, attr: "organization-status-id"},
			"created_at":             {kind: fDateRange, attr: "created-at"},
			"updated_at":             {kind: fDateRange, attr: "updated-at"},
			"primary":                {kind: fBool, attr: "primary"},
			"psa_id":                 {kind: fPSAID},
			"psa_integration_type":   {kind: fPSAType},
		},
		sorts: map[string]string{
			"id": "id", "name": "name", "short_name": "short-name",
			"created_at": "created-at", "updated_at": "updated-at",
			"organization_type_name":   "organization-type-name",
			"organization_status_name": "organization-status-name",
		},
		create: true, update: true, bulkUpdate: true, bulkDelete: true,
		psaLinked:   true,
		psaEditable: map[string]bool{"alert": true, "description": true, "quick-notes": true, "psa-custom-fields": true},
	}
}
