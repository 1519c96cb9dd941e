package itglue

// Locations and the read-only geography they point at (countries, regions).

func countries() *resource {
	res := lookup("countries", "countries", 101, false, str("iso"))
	return res
}

func regions() *resource {
	res := lookup("regions", "regions", 5_001, false, str("iso"), required(ref("country-id", "countries")))
	res.parent, res.parentAttr = "countries", "country-id"
	res.filters["country_id"] = filterSpec{kind: fInt, attr: "country-id"}
	return res
}

func locations() *resource {
	attrs := []*attr{
		required(ref("organization-id", "organizations")),
		derived("organization-name", nameOf("organization-id", "organizations")),
		required(str("name")),
		boolean("primary"),
		str("address-1"),
		str("address-2"),
		str("city"),
		str("postal-code"),
		scoped(ref("region-id", "regions"), [2]string{"country-id", "country-id"}),
		derived("region-name", nameOf("region-id", "regions")),
		ref("country-id", "countries"),
		derived("country-name", nameOf("country-id", "countries")),
		str("phone"),
		str("fax"),
		str("notes"),
		boolean("restricted"),
		derived("formatted-phone", func(_ *store, r *record) any { return r.vals["phone"] }),
		derived("formatted-fax", func(_ *store, r *record) any { return r.vals["fax"] }),
		psaIntegration(),
	}
	return &resource{
		typ: "locations", path: "locations", idBase: 2_000_001,
		attrs: append(attrs, timestamps()...), label: "name",
		parent: "organizations", parentAttr: "organization-id",
		filters: map[string]filterSpec{
			"id":                   {kind: fID},
			"name":                 {kind: fString, attr: "name"},
			"city":                 {kind: fString, attr: "city"},
			"region_id":            {kind: fInt, attr: "region-id"},
			"country_id":           {kind: fInt, attr: "country-id"},
			"organization_id":      {kind: fInt, attr: "organization-id"},
			"psa_id":               {kind: fPSAID},
			"psa_integration_type": {kind: fPSAType},
		},
		sorts:  map[string]string{"id": "id", "name": "name", "created_at": "created-at", "updated_at": "updated-at"},
		create: true, update: true, bulkUpdate: true, bulkDelete: true,
		psaLinked: true,
	}
}
