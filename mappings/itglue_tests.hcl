# Mapping tests of the IT Glue mapping (itglue.hcl), run by `mapsync test`
# and by the project's tests: for each object, a JSON:API resource as the
# API returns it and the canonical values read from it; canonical changes
# and the JSON:API request the connector sends for them. Lookup tables are
# stubbed per test (a lookup scoped under another, such as regions under
# countries, by parent id). The language: docs/mapping-language.md,
# "Mapping tests".

test "itglue organization" {
  system  = system.itglue
  object  = "organization"
  lookups = { organization_type = { "Customer" = 21 }, organization_status = { "Active" = 31, "Inactive" = 32 } }

  read {
    raw = <<EOT
{
  "id": "1001",
  "type": "organizations",
  "attributes": {
    "name": "Acme Dental",
    "short-name": "AcmeDental",
    "organization-type-id": 21,
    "organization-type-name": "Customer",
    "organization-status-id": 31,
    "organization-status-name": "Active",
    "parent-id": 1000,
    "psa-custom-fields": [{"name": "Contract", "value": "Gold"}],
    "created-at": "2020-01-05T09:00:00.000Z",
    "updated-at": "2026-11-30T10:00:00.000Z"
  }
}
EOT
    expect = {
      name              = "Acme Dental"
      short_name        = "AcmeDental"
      type              = "Customer"
      status            = "Active"
      parent            = "1000"
      psa_custom_fields = [{ name = "Contract", value = "Gold" }]
    }
  }

  read {
    raw    = { id = "1002", type = "organizations", attributes = { name = "Bare Co" } }
    expect = { short_name = null, type = null, parent = null, psa_custom_fields = null }
  }

  write {
    action = "create"
    after = {
      name              = "Acme Dental"
      short_name        = "AcmeDental"
      type              = "Customer"
      status            = "Active"
      parent            = "1000"
      psa_custom_fields = [{ name = "Contract", value = "Gold" }]
    }
    expect_method = "POST"
    expect_path   = "/organizations"
    expect_body   = <<EOT
{
  "data": {
    "type": "organizations",
    "attributes": {
      "name": "Acme Dental",
      "short-name": "AcmeDental",
      "organization-type-id": 21,
      "organization-status-id": 31,
      "parent-id": 1000,
      "psa-custom-fields": [{"name": "Contract", "value": "Gold"}]
    }
  }
}
EOT
  }

  # JSON:API update: the resource with its id and the changed attributes.
  write {
    action = "update"
    id     = "1001"
    before = { name = "Acme Dental", short_name = "AcmeDental", status = "Active" }
    after = {
      short_name = "ACME"
      status     = "Inactive"
    }
    expect_method = "PATCH"
    expect_path   = "/organizations/1001"
    expect_body   = <<EOT
{
  "data": {
    "type": "organizations",
    "id": "1001",
    "attributes": {"short-name": "ACME", "organization-status-id": 32}
  }
}
EOT
  }
  # Several organization updates go to the bulk route: the collection,
  # with each resource's id also among its attributes.
  write {
    action = "update"
    batch = [
      { id = "1001", after = { short_name = "ACME" } },
      { id = "1003", after = { status = "Inactive" } },
    ]
    expect_method = "PATCH"
    expect_path   = "/organizations"
    expect_body   = <<EOT
{
  "data": [
    {"type": "organizations", "id": "1001", "attributes": {"id": 1001, "short-name": "ACME"}},
    {"type": "organizations", "id": "1003", "attributes": {"id": 1003, "organization-status-id": 32}}
  ]
}
EOT
  }
}

test "itglue location" {
  system = system.itglue
  object = "location"
  lookups = {
    country = { "United States" = 2 }
    region  = { "2" = { "FL" = 12, "GA" = 13 } }
  }

  read {
    raw = <<EOT
{
  "id": "5001",
  "type": "locations",
  "attributes": {
    "organization-id": 1001,
    "name": "Main Office",
    "address-1": "1 Main St",
    "address-2": "Suite 2",
    "city": "Tampa",
    "region-id": 12,
    "region-name": "FL",
    "postal-code": "33601",
    "country-id": 2,
    "country-name": "United States",
    "phone": "555-0110",
    "fax": "555-0111",
    "primary": true
  }
}
EOT
    expect = {
      organization = "1001"
      name         = "Main Office"
      address_1    = "1 Main St"
      address_2    = "Suite 2"
      city         = "Tampa"
      state        = "FL"
      postal_code  = "33601"
      country      = "United States"
      phone        = "555-0110"
      fax          = "555-0111"
    }
  }

  # Locations are created under their organization; the region is
  # resolved under the country the same write sets.
  write {
    action = "create"
    after = {
      organization = "1001"
      name         = "Branch"
      address_1    = "9 Side Rd"
      address_2    = "Unit 4"
      city         = "Atlanta"
      state        = "GA"
      postal_code  = "30301"
      country      = "United States"
      phone        = "555-0130"
      fax          = "555-0131"
    }
    expect_method = "POST"
    expect_path   = "/organizations/1001/relationships/locations"
    expect_body   = <<EOT
{
  "data": {
    "type": "locations",
    "attributes": {
      "organization-id": 1001,
      "name": "Branch",
      "address-1": "9 Side Rd",
      "address-2": "Unit 4",
      "city": "Atlanta",
      "region-id": 13,
      "postal-code": "30301",
      "country-id": 2,
      "phone": "555-0130",
      "fax": "555-0131"
    }
  }
}
EOT
  }

  # Only the state changes: the region is looked up under the country the
  # location already has (before).
  write {
    action        = "update"
    id            = "5001"
    before        = { organization = "1001", name = "Main Office", state = "FL", country = "United States" }
    after         = { state = "GA", city = "Atlanta" }
    expect_method = "PATCH"
    expect_path   = "/locations/5001"
    expect_body   = <<EOT
{"data": {"type": "locations", "id": "5001", "attributes": {"region-id": 13, "city": "Atlanta"}}}
EOT
  }
}

test "itglue contact" {
  system  = system.itglue
  object  = "contact"
  lookups = { contact_type = { "Owner" = 41, "Billing" = 42 } }

  read {
    raw = <<EOT
{
  "id": "3501",
  "type": "contacts",
  "attributes": {
    "organization-id": 1001,
    "first-name": "Ann",
    "last-name": "Lee",
    "title": "Office Manager",
    "contact-type-id": 41,
    "contact-type-name": "Owner",
    "location-id": 5001,
    "important": true,
    "notes": "Prefers e-mail",
    "contact-emails": [{"value": "ann@acme.example", "label-name": "Work", "primary": true}],
    "contact-phones": [
      {"value": "555-0120", "label-name": "Direct", "extension": "12", "primary": true},
      {"value": "555-0121", "label-name": "Fax", "primary": false}
    ]
  }
}
EOT
    expect = {
      organization = "1001"
      first_name   = "Ann"
      last_name    = "Lee"
      title        = "Office Manager"
      type         = "Owner"
      location     = "5001"
      important    = true
      notes        = "Prefers e-mail"
      emails       = [{ value = "ann@acme.example", type = "Work", primary = true }]
      phones = [
        { value = "555-0120", type = "Direct", extension = "12", primary = true },
        { value = "555-0121", type = "Fax", extension = null, primary = false },
      ]
    }
  }

  # An e-mail or phone without a type gets the label Work.
  write {
    action = "create"
    after = {
      organization = "1001"
      first_name   = "Ann"
      last_name    = "Lee"
      title        = "Office Manager"
      type         = "Owner"
      location     = "5001"
      important    = true
      notes        = "Prefers e-mail"
      emails       = [{ value = "ann@acme.example", primary = true }]
      phones       = [{ value = "555-0120", type = "Direct", extension = "12", primary = true }]
    }
    expect_method = "POST"
    expect_path   = "/organizations/1001/relationships/contacts"
    expect_body   = <<EOT
{
  "data": {
    "type": "contacts",
    "attributes": {
      "organization-id": 1001,
      "first-name": "Ann",
      "last-name": "Lee",
      "title": "Office Manager",
      "contact-type-id": 41,
      "location-id": 5001,
      "important": true,
      "notes": "Prefers e-mail",
      "contact-emails": [{"value": "ann@acme.example", "label-name": "Work", "primary": true}],
      "contact-phones": [{"value": "555-0120", "label-name": "Direct", "extension": "12", "primary": true}]
    }
  }
}
EOT
  }

  write {
    action = "update"
    id     = "3501"
    before = { organization = "1001", first_name = "Ann", type = "Owner" }
    after = {
      organization = "1002"
      first_name   = "Anne"
      last_name    = "Lee-Park"
      title        = "Director"
      type         = "Billing"
      location     = "5002"
      emails       = [{ value = "anne@acme.example", type = "Work", primary = true }]
      phones       = [{ value = "555-0199", type = "Mobile", primary = true }]
    }
    expect_method = "PATCH"
    expect_path   = "/contacts/3501"
    expect_body   = <<EOT
{
  "data": {
    "type": "contacts",
    "id": "3501",
    "attributes": {
      "organization-id": 1002,
      "first-name": "Anne",
      "last-name": "Lee-Park",
      "title": "Director",
      "contact-type-id": 42,
      "location-id": 5002,
      "contact-emails": [{"value": "anne@acme.example", "label-name": "Work", "primary": true}],
      "contact-phones": [{"value": "555-0199", "label-name": "Mobile", "extension": null, "primary": true}]
    }
  }
}
EOT
  }
}

test "itglue configuration" {
  system = system.itglue
  object = "configuration"
  lookups = {
    configuration_type   = { "Managed Server" = 51 }
    configuration_status = { "Active" = 61, "Inactive" = 62 }
    manufacturer         = { "Dell" = 71, "HP" = 72 }
    model                = { "71" = { "R740" = 81, "R750" = 82 }, "72" = { "DL380" = 83 } }
    operating_system     = { "Windows Server 2022" = 91 }
  }

  read {
    raw = <<EOT
{
  "id": "7501",
  "type": "configurations",
  "attributes": {
    "organization-id": 1001,
    "name": "ACME-DC01",
    "configuration-type-id": 51,
    "configuration-type-name": "Managed Server",
    "configuration-status-id": 61,
    "configuration-status-name": "Active",
    "asset-tag": "A-100",
    "serial-number": "SN123",
    "mac-address": "00:1A:2B:3C:4D:5E",
    "primary-ip": "10.0.0.5",
    "default-gateway": "10.0.0.1",
    "hostname": "acme-dc01.acme.local",
    "manufacturer-id": 71,
    "manufacturer-name": "Dell",
    "model-id": 81,
    "model-name": "R740",
    "operating-system-id": 91,
    "operating-system-name": "Windows Server 2022",
    "position": "Rack 1, U12",
    "installed-at": "2024-03-01T00:00:00.000Z",
    "installed-by": "jdoe",
    "purchased-at": "2024-02-15",
    "warranty-expires-at": "2027-02-15",
    "location-id": 5001,
    "contact-id": 3501,
    "notes": "Primary DC",
    "psa-custom-fields": [{"name": "Backup", "value": "Nightly"}]
  }
}
EOT
    expect = {
      organization         = "1001"
      name                 = "ACME-DC01"
      configuration_type   = "Managed Server"
      configuration_status = "Active"
      asset_tag            = "A-100"
      serial_number        = "SN123"
      primary_mac          = "00:1A:2B:3C:4D:5E"
      primary_ip           = "10.0.0.5"
      default_gateway      = "10.0.0.1"
      hostname             = "acme-dc01.acme.local"
      manufacturer         = "Dell"
      model                = "R740"
      operating_system     = "Windows Server 2022"
      position             = "Rack 1, U12"
      installed_date       = "2024-03-01"
      installed_by         = "jdoe"
      purchased_date       = "2024-02-15"
      warranty_expires     = "2027-02-15"
      location             = "5001"
      contact              = "3501"
      notes                = "Primary DC"
      psa_custom_fields    = [{ name = "Backup", value = "Nightly" }]
    }
  }

  # One configuration goes to the single-record route (the bulk routes
  # take several).
  write {
    action = "create"
    after = {
      organization         = "1001"
      name                 = "ACME-DC01"
      configuration_type   = "Managed Server"
      configuration_status = "Active"
      asset_tag            = "A-100"
      serial_number        = "SN123"
      primary_mac          = "00:1A:2B:3C:4D:5E"
      primary_ip           = "10.0.0.5"
      default_gateway      = "10.0.0.1"
      manufacturer         = "Dell"
      model                = "R740"
      operating_system     = "Windows Server 2022"
      installed_date       = "2024-03-01"
      installed_by         = "jdoe"
      purchased_date       = "2024-02-15"
      warranty_expires     = "2027-02-15"
      location             = "5001"
      contact              = "3501"
      notes                = "Primary DC"
      psa_custom_fields    = [{ name = "Backup", value = "Nightly" }]
    }
    expect_method = "POST"
    expect_path   = "/organizations/1001/relationships/configurations"
    expect_body   = <<EOT
{
  "data": {
    "type": "configurations",
    "attributes": {
      "organization-id": 1001,
      "name": "ACME-DC01",
      "configuration-type-id": 51,
      "configuration-status-id": 61,
      "asset-tag": "A-100",
      "serial-number": "SN123",
      "mac-address": "00:1A:2B:3C:4D:5E",
      "primary-ip": "10.0.0.5",
      "default-gateway": "10.0.0.1",
      "manufacturer-id": 71,
      "model-id": 81,
      "operating-system-id": 91,
      "installed-at": "2024-03-01",
      "installed-by": "jdoe",
      "purchased-at": "2024-02-15",
      "warranty-expires-at": "2027-02-15",
      "location-id": 5001,
      "contact-id": 3501,
      "notes": "Primary DC",
      "psa-custom-fields": [{"name": "Backup", "value": "Nightly"}]
    }
  }
}
EOT
  }

  # Several creates under one organization go to its bulk route, a
  # JSON:API data array.
  write {
    action = "create"
    batch = [
      { after = { organization = "1001", name = "ACME-WS01", configuration_type = "Managed Server" } },
      { after = { organization = "1001", name = "ACME-WS02", configuration_type = "Managed Server", serial_number = "SN9" } },
    ]
    expect_method = "POST"
    expect_path   = "/organizations/1001/relationships/configurations"
    expect_body   = <<EOT
{
  "data": [
    {"type": "configurations", "attributes": {"organization-id": 1001, "name": "ACME-WS01", "configuration-type-id": 51}},
    {"type": "configurations", "attributes": {"organization-id": 1001, "name": "ACME-WS02", "configuration-type-id": 51, "serial-number": "SN9"}}
  ]
}
EOT
  }

  # Several updates: PATCH of the collection.
  write {
    action = "update"
    batch = [
      { id = "7501", after = { notes = "Rack 1" } },
      { id = "7502", after = { asset_tag = "A-200" } },
    ]
    expect_method = "PATCH"
    expect_path   = "/configurations"
    expect_body   = <<EOT
{
  "data": [
    {"type": "configurations", "id": "7501", "attributes": {"id": 7501, "notes": "Rack 1"}},
    {"type": "configurations", "id": "7502", "attributes": {"id": 7502, "asset-tag": "A-200"}}
  ]
}
EOT
  }

  # The model is resolved under the manufacturer the record has (before);
  # an operating system IT Glue does not list is left out
  # (missing = "empty"), the rest is sent.
  write {
    action = "update"
    id     = "7501"
    before = { organization = "1001", name = "ACME-DC01", manufacturer = "Dell", model = "R740" }
    after = {
      model                = "R750"
      operating_system     = "BeOS"
      configuration_status = "Inactive"
      notes                = "Retired"
    }
    expect_method = "PATCH"
    expect_path   = "/configurations/7501"
    expect_body   = <<EOT
{
  "data": {
    "type": "configurations",
    "id": "7501",
    "attributes": {"model-id": 82, "configuration-status-id": 62, "notes": "Retired"}
  }
}
EOT
  }
}

test "itglue ticket" {
  system = system.itglue
  object = "ticket"

  read {
    raw = <<EOT
{
  "id": "6001",
  "type": "tickets",
  "attributes": {
    "organization-id": 1001,
    "number": "5005",
    "summary": "Printer offline",
    "board": "Help Desk",
    "status": "New",
    "priority": "Priority 3 - Normal",
    "contact-id": 3501,
    "configuration-ids": [7501, 7502],
    "psa-created-at": "2026-11-01T08:00:00.000Z",
    "psa-updated-at": "2026-11-02T09:30:00.000Z"
  }
}
EOT
    expect = {
      organization   = "1001"
      number         = "5005"
      summary        = "Printer offline"
      board          = "Help Desk"
      status         = "New"
      priority       = "Priority 3 - Normal"
      contact        = "3501"
      configurations = ["7501", "7502"]
      created_at     = "2026-11-01T08:00:00Z"
      updated_at     = "2026-11-02T09:30:00Z"
    }
  }

  write {
    action = "create"
    after = {
      organization   = "1001"
      number         = "5005"
      summary        = "Printer offline"
      board          = "Help Desk"
      status         = "New"
      priority       = "Priority 3 - Normal"
      contact        = "3501"
      configurations = ["7501", "7502"]
      created_at     = "2026-11-01T08:00:00Z"
      updated_at     = "2026-11-02T09:30:00Z"
    }
    expect_method = "POST"
    expect_path   = "/organizations/1001/relationships/tickets"
    expect_body   = <<EOT
{
  "data": {
    "type": "tickets",
    "attributes": {
      "organization-id": 1001,
      "number": "5005",
      "summary": "Printer offline",
      "board": "Help Desk",
      "status": "New",
      "priority": "Priority 3 - Normal",
      "contact-id": 3501,
      "configuration-ids": [7501, 7502],
      "psa-created-at": "2026-11-01T08:00:00Z",
      "psa-updated-at": "2026-11-02T09:30:00Z"
    }
  }
}
EOT
  }

  write {
    action        = "update"
    id            = "6001"
    before        = { organization = "1001", number = "5005", status = "New" }
    after         = { status = "Closed", updated_at = "2026-11-03T12:00:00Z" }
    expect_method = "PATCH"
    expect_path   = "/tickets/6001"
    expect_body   = <<EOT
{"data": {"type": "tickets", "id": "6001", "attributes": {"status": "Closed", "psa-updated-at": "2026-11-03T12:00:00Z"}}}
EOT
  }

  # The number is required to create a ticket.
  write {
    action         = "create"
    after          = { organization = "1001", summary = "No number" }
    expect_invalid = { number = "required to create a ticket" }
  }
}
