package itglue

import "strconv"

// Configurations and their reference data: configuration types and
// statuses, manufacturers, models and operating systems.

func configurationTypes() *resource {
	res := lookup("configuration-types", "configuration_types", 40_001, true,
		derived("configurations-count", func(st *store, r *record) any {
			return st.countRefs("configurations", "configuration-type-id", r.id)
		}))
	res.noCache = true
	return res
}

func configurationStatuses() *resource {
	return lookup("configuration-statuses", "configuration_statuses", 50_001, true)
}

func manufacturers() *resource {
	return lookup("manufacturers", "manufacturers", 60_001, true)
}

func models() *resource {
	res := lookup("models", "models", 70_001, true, required(ref("manufacturer-id", "manufacturers")))
	res.parent, res.parentAttr = "manufacturers", "manufacturer-id"
	res.filters["manufacturer_id"] = filterSpec{kind: fInt, attr: "manufacturer-id"}
	return res
}

func operatingSystems() *resource {
	return lookup("operating-systems", "operating_systems", 80_001, false)
}

// psaEditableConfig is what IT Glue still lets an API client change on a
// configuration its own PSA sync owns.
var psaEditableConfig = map[string]bool{
	"archived": true, "asset-tag": true, "notes": true, "purchased-at": true,
	"restricted": true, "serial-number": true, "warranty-expires-at": true,
	"mitp-device-expiration-date": true, "mitp-end-of-life-date": true,
	"psa-custom-fields": true,
}

func configurations(resourceURL string) *resource {
	sameOrg := [2]string{"organization-id", "organization-id"}
	macAddress := str("mac-address")
	macAddress.maxLen = 17
	attrs := []*attr{
		required(ref("organization-id", "organizations")),
		derived("organization-name", nameOf("organization-id", "organizations")),
		derived("organization-short-name", func(st *store, r *record) any {
			id, ok := r.vals["organization-id"].(int64)
			if !ok {
				return nil
			}
			return st.attrOf("organizations", id, "short-name")
		}),
		derived("resource-url", func(_ *store, r *record) any {
			org, _ := r.vals["organization-id"].(int64)
			return resourceURL + "/" + strconv.FormatInt(org, 10) + "/configurations/" + strconv.FormatInt(r.id, 10)
		}),
		boolean("restricted"),
		psaIntegration(),
		required(str("name")),
		str("hostname"),
		str("primary-ip"),
		macAddress,
		str("default-gateway"),
		str("serial-number"),
		str("asset-tag"),
		str("position"),
		str("installed-by"),
		str("purchased-by"),
		str("notes"),
		str("operating-system-notes"),
		date("warranty-expires-at"),
		date("installed-at"),
		date("purchased-at"),
		date("mitp-device-expiration-date"),
		date("mitp-end-of-life-date"),
		required(ref("configuration-type-id", "configuration-types")),
		derived("configuration-type-name", nameOf("configuration-type-id", "configuration-types")),
		ref("configuration-status-id", "configuration-statuses"),
		derived("configuration-status-name", nameOf("configuration-status-id", "configuration-statuses")),
		ref("manufacturer-id", "manufacturers"),
		derived("manufacturer-name", nameOf("manufacturer-id", "manufacturers")),
		scoped(ref("model-id", "models"), [2]string{"manufacturer-id", "manufacturer-id"}),
		derived("model-name", nameOf("model-id", "models")),
		ref("operating-system-id", "operating-systems"),
		derived("operating-system-name", nameOf("operating-system-id", "operating-systems")),
		scoped(ref("location-id", "locations"), sameOrg),
		derived("location-name", nameOf("location-id", "locations")),
		scoped(ref("contact-id", "contacts"), sameOrg),
		derived("contact-name", nameOf("contact-id", "contacts")),
		boolean("archived"),
		psaCustomFields(),
	}
	return &resource{
		typ: "configurations", path: "configurations", idBase: 4_000_001,
		attrs: append(attrs, timestamps()...), label: "name",
		parent: "organizations", parentAttr: "organization-id",
		filters: map[string]filterSpec{
			"id":                      {kind: fID},
			"name":                    {kind: fString, attr: "name"},
			"organization_id":         {kind: fInt, attr: "organization-id"},
			"configuration_type_id":   {kind: fInt, attr: "configuration-type-id"},
			"configuration_status_id": {kind: fInt, attr: "configuration-status-id"},
			"contact_id":              {kind: fInt, attr: "contact-id"},
			"serial_number":           {kind: fString, attr: "serial-number"},
			"mac_address":             {kind: fString, attr: "mac-address"},
			"asset_tag":               {kind: fString, attr: "asset-tag"},
			"archived":                {kind: fBool, attr: "archived"},
			"psa_id":                  {kind: fPSAID},
			"psa_integration_type":    {kind: fPSAType},
		},
		sorts:  map[string]string{"id": "id", "name": "name", "created_at": "created-at", "updated_at": "updated-at"},
		create: true, update: true, bulkUpdate: true, bulkDelete: true,
		psaLinked:   true,
		psaEditable: psaEditableConfig,
	}
}
