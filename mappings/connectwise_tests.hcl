# Mapping tests of the ConnectWise Manage mapping (connectwise.hcl), run by
# `mapsync test` and by the project's tests: for each object, a record as
# the API returns it and the canonical values read from it; canonical
# changes and the request the connector sends for them (creates as JSON
# objects, updates as JSON Patch). Lookup tables are stubbed per test.
# The language: docs/mapping-language.md, "Mapping tests".

test "connectwise company" {
  system  = system.connectwise
  object  = "organization"
  lookups = { company_type = { "Customer" = 1, "Prospect" = 4 }, company_status = { "Active" = 1, "Inactive" = 2 } }

  read {
    raw = <<EOT
{
  "id": 250,
  "name": "Acme Dental",
  "identifier": "AcmeDental",
  "types": [{"id": 1, "name": "Customer"}],
  "status": {"id": 1, "name": "Active"},
  "parentCompany": {"id": 12, "identifier": "AcmeHoldings"},
  "site": {"id": 901, "name": "Main Office"},
  "phoneNumber": "555-0100",
  "faxNumber": "555-0101",
  "website": "https://acme.example",
  "customFields": [
    {"id": 1, "caption": "Contract", "type": "Text", "value": "Gold"},
    {"id": 2, "caption": "Renewal", "type": "Text", "value": null},
    {"id": 3, "caption": "Notes", "type": "Text", "value": ""}
  ],
  "_info": {"lastUpdated": "2026-11-30T10:00:00Z", "dateEntered": "2020-01-05T09:00:00Z"}
}
EOT
    expect = {
      name              = "Acme Dental"
      short_name        = "AcmeDental"
      type              = "Customer"
      status            = "Active"
      parent            = "12"
      primary_location  = "901"
      phone             = "555-0100"
      fax               = "555-0101"
      website           = "https://acme.example"
      psa_custom_fields = [{ name = "Contract", value = "Gold" }]
    }
  }

  # Absent references and an empty custom field list read as null.
  read {
    raw    = { id = 251, name = "Bare Co", identifier = "BareCo", customFields = [] }
    expect = { type = null, status = null, parent = null, primary_location = null, psa_custom_fields = null }
  }

  write {
    action = "create"
    after = {
      name       = "Acme Dental"
      short_name = "AcmeDental"
      type       = "Customer"
      status     = "Active"
      parent     = "12"
      phone      = "555-0100"
      fax        = "555-0101"
      website    = "https://acme.example"
    }
    expect_method = "POST"
    expect_path   = "/company/companies"
    expect_body   = <<EOT
{
  "name": "Acme Dental",
  "identifier": "AcmeDental",
  "types": [{"id": 1}],
  "status": {"id": 1},
  "parentCompany": {"id": 12},
  "phoneNumber": "555-0100",
  "faxNumber": "555-0101",
  "website": "https://acme.example"
}
EOT
  }

  # The type is create-only (typeAssociations afterwards): an update
  # leaves it out.
  write {
    action        = "update"
    id            = "250"
    before        = { name = "Acme Dental", type = "Customer", status = "Active", phone = "555-0100" }
    after         = { type = "Prospect", status = "Inactive", phone = "555-0199" }
    expect_method = "PATCH"
    expect_path   = "/company/companies/250"
    expect_body   = <<EOT
[
  {"op": "replace", "path": "/phoneNumber", "value": "555-0199"},
  {"op": "replace", "path": "/status/id", "value": 2}
]
EOT
  }

  # A status ConnectWise lacks leaves the company out (missing = "skip").
  write {
    action      = "create"
    after       = { name = "Acme Dental", short_name = "AcmeDental", status = "Onboarding" }
    expect_skip = "company status does not exist in ConnectWise"
  }
}

test "connectwise site" {
  system  = system.connectwise
  object  = "location"
  lookups = { state = { "FL" = 10, "GA" = 11 }, country = { "United States" = 1 } }

  read {
    raw = <<EOT
{
  "id": 901,
  "name": "Main Office",
  "company": {"id": 250, "identifier": "AcmeDental"},
  "addressLine1": "1 Main St",
  "addressLine2": "Suite 2",
  "city": "Tampa",
  "stateReference": {"id": 10, "identifier": "FL", "name": "FL"},
  "zip": "33601",
  "country": {"id": 1, "name": "United States"},
  "phoneNumber": "555-0110",
  "faxNumber": "555-0111",
  "inactiveFlag": false
}
EOT
    expect = {
      organization = "250"
      name         = "Main Office"
      address_1    = "1 Main St"
      address_2    = "Suite 2"
      city         = "Tampa"
      state        = "FL"
      postal_code  = "33601"
      country      = "United States"
      phone        = "555-0110"
      fax          = "555-0111"
      active       = true
    }
  }

  read {
    raw    = { id = 902, name = "Old Warehouse", company = { id = 250 }, inactiveFlag = true }
    expect = { active = false, address_1 = null, state = null }
  }

  # Sites are created under their company.
  write {
    action = "create"
    after = {
      organization = "250"
      name         = "Branch"
      address_1    = "9 Side Rd"
      address_2    = "Unit 4"
      city         = "Atlanta"
      state        = "GA"
      postal_code  = "30301"
      country      = "United States"
      phone        = "555-0130"
      fax          = "555-0131"
      active       = true
    }
    expect_method = "POST"
    expect_path   = "/company/companies/250/sites"
    expect_body   = <<EOT
{
  "company": {"id": 250},
  "name": "Branch",
  "addressLine1": "9 Side Rd",
  "addressLine2": "Unit 4",
  "city": "Atlanta",
  "stateReference": {"id": 11},
  "zip": "30301",
  "country": {"id": 1},
  "phoneNumber": "555-0130",
  "faxNumber": "555-0131",
  "inactiveFlag": false
}
EOT
  }

  write {
    action        = "update"
    id            = "901"
    before        = { organization = "250", name = "Main Office", city = "Tampa", active = true }
    after         = { city = "Orlando", active = false }
    expect_method = "PATCH"
    expect_path   = "/company/companies/250/sites/901"
    expect_body   = <<EOT
[
  {"op": "replace", "path": "/city", "value": "Orlando"},
  {"op": "replace", "path": "/inactiveFlag", "value": true}
]
EOT
  }
}

test "connectwise contact" {
  system  = system.connectwise
  object  = "contact"
  lookups = { contact_type = { "Owner" = 3 } }

  read {
    raw = <<EOT
{
  "id": 3001,
  "firstName": "Ann",
  "lastName": "Lee",
  "title": "Office Manager",
  "company": {"id": 250},
  "types": [{"id": 3, "name": "Owner"}],
  "site": {"id": 901, "name": "Main Office"},
  "communicationItems": [
    {"id": 1, "type": {"id": 1, "name": "Email"}, "value": "ann@acme.example", "defaultFlag": true, "communicationType": "Email"},
    {"id": 2, "type": {"id": 2, "name": "Direct"}, "value": "555-0120", "extension": "12", "defaultFlag": true, "communicationType": "Phone"},
    {"id": 3, "type": {"id": 4, "name": "Fax"}, "value": "555-0121", "defaultFlag": false, "communicationType": "Fax"}
  ],
  "inactiveFlag": false
}
EOT
    expect = {
      organization = "250"
      first_name   = "Ann"
      last_name    = "Lee"
      title        = "Office Manager"
      type         = "Owner"
      location     = "901"
      emails       = [{ value = "ann@acme.example", type = "Email", primary = true }]
      phones = [
        { value = "555-0120", type = "Direct", extension = "12", primary = true },
        { value = "555-0121", type = "Fax", extension = null, primary = false },
      ]
      active = true
    }
  }

  # E-mails and phones share communicationItems: a create writes both
  # lists into it.
  write {
    action = "create"
    after = {
      organization = "250"
      first_name   = "Ann"
      last_name    = "Lee"
      title        = "Office Manager"
      type         = "Owner"
      location     = "901"
      active       = true
      emails       = [{ value = "ann@acme.example", type = "Email", primary = true }]
      phones       = [{ value = "555-0120", type = "Direct", extension = "12", primary = true }]
    }
    expect_method = "POST"
    expect_path   = "/company/contacts"
    expect_body   = <<EOT
{
  "company": {"id": 250},
  "firstName": "Ann",
  "lastName": "Lee",
  "title": "Office Manager",
  "typeIds": [3],
  "site": {"id": 901},
  "inactiveFlag": false,
  "communicationItems": [
    {"communicationType": "Email", "type": {"name": "Email"}, "value": "ann@acme.example", "defaultFlag": true},
    {"communicationType": "Phone", "type": {"name": "Direct"}, "value": "555-0120", "extension": "12", "defaultFlag": true}
  ]
}
EOT
  }

  # A phone change rewrites the whole list: the e-mails come from the
  # record as ConnectWise holds it (before), so they are kept.
  write {
    action = "update"
    id     = "3001"
    before = {
      organization = "250"
      first_name   = "Ann"
      title        = "Office Manager"
      emails       = [{ value = "ann@acme.example", type = "Email", primary = true }]
      phones       = [{ value = "555-0120", type = "Direct", extension = "12", primary = true }]
    }
    after = {
      title        = "Director"
      last_name    = "Lee-Park"
      first_name   = "Anne"
      organization = "251"
      location     = "905"
      active       = false
      phones       = [{ value = "555-0199", type = "Mobile", primary = true }]
    }
    expect_method = "PATCH"
    expect_path   = "/company/contacts/3001"
    expect_body   = <<EOT
[
  {"op": "replace", "path": "/communicationItems", "value": [
    {"communicationType": "Email", "type": {"name": "Email"}, "value": "ann@acme.example", "defaultFlag": true},
    {"communicationType": "Phone", "type": {"name": "Mobile"}, "value": "555-0199", "extension": null, "defaultFlag": true}
  ]},
  {"op": "replace", "path": "/company/id", "value": 251},
  {"op": "replace", "path": "/firstName", "value": "Anne"},
  {"op": "replace", "path": "/inactiveFlag", "value": true},
  {"op": "replace", "path": "/lastName", "value": "Lee-Park"},
  {"op": "replace", "path": "/site/id", "value": 905},
  {"op": "replace", "path": "/title", "value": "Director"}
]
EOT
  }
}

test "connectwise configuration" {
  system = system.connectwise
  object = "configuration"
  lookups = {
    configuration_type   = { "Managed Server" = 5 }
    configuration_status = { "Active" = 2, "Inactive" = 3 }
    manufacturer         = { "Dell" = 7 }
    member               = { "jdoe" = 11, "asmith" = 12 }
  }

  read {
    raw = <<EOT
{
  "id": 7001,
  "name": "ACME-DC01",
  "company": {"id": 250},
  "type": {"id": 5, "name": "Managed Server"},
  "status": {"id": 2, "name": "Active"},
  "tagNumber": "A-100",
  "serialNumber": "SN123",
  "questions": [
    {"questionId": 1, "question": "Backup", "answer": "Nightly"},
    {"questionId": 2, "question": "Rack", "answer": ""}
  ],
  "macAddress": "00-1A-2B-3C-4D-5E",
  "ipAddress": "10.0.0.5",
  "defaultGateway": "10.0.0.1",
  "manufacturer": {"id": 7, "name": "Dell"},
  "modelNumber": "R740",
  "osType": "Windows Server 2022",
  "installationDate": "2024-03-01T00:00:00Z",
  "installedBy": {"id": 11, "identifier": "jdoe"},
  "purchaseDate": "2024-02-15T00:00:00Z",
  "warrantyExpirationDate": "2027-02-15T00:00:00Z",
  "site": {"id": 901},
  "contact": {"id": 3001},
  "notes": "Primary DC",
  "activeFlag": true
}
EOT
    expect = {
      organization         = "250"
      name                 = "ACME-DC01"
      configuration_type   = "Managed Server"
      configuration_status = "Active"
      asset_tag            = "A-100"
      serial_number        = "SN123"
      psa_custom_fields    = [{ name = "Backup", value = "Nightly" }]
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
      location             = "901"
      contact              = "3001"
      notes                = "Primary DC"
      active               = true
    }
  }

  # Several MAC addresses in the one field: the value is rejected with a
  # reason, the rest of the record syncs; a blank one reads as null.
  read {
    raw            = { id = 7002, name = "ACME-FW", macAddress = "00:1A:2B:3C:4D:5E, 00:1A:2B:3C:4D:5F" }
    expect         = { name = "ACME-FW" }
    expect_invalid = { primary_mac = "more than one MAC address" }
  }
  read {
    raw    = { id = 7003, name = "ACME-SW", macAddress = "  " }
    expect = { primary_mac = null }
  }

  write {
    action = "create"
    after = {
      organization         = "250"
      name                 = "ACME-DC01"
      configuration_type   = "Managed Server"
      configuration_status = "Active"
      asset_tag            = "A-100"
      serial_number        = "SN123"
      primary_mac          = "00:1a:2b:3c:4d:5e"
      primary_ip           = "10.0.0.5"
      default_gateway      = "10.0.0.1"
      manufacturer         = "Dell"
      model                = "R740"
      operating_system     = "Windows Server 2022"
      installed_date       = "2024-03-01"
      installed_by         = "jdoe"
      purchased_date       = "2024-02-15"
      warranty_expires     = "2027-02-15"
      location             = "901"
      contact              = "3001"
      notes                = "Primary DC"
      active               = true
    }
    expect_method = "POST"
    expect_path   = "/company/configurations"
    expect_body   = <<EOT
{
  "company": {"id": 250},
  "name": "ACME-DC01",
  "type": {"id": 5},
  "status": {"id": 2},
  "tagNumber": "A-100",
  "serialNumber": "SN123",
  "macAddress": "00:1a:2b:3c:4d:5e",
  "ipAddress": "10.0.0.5",
  "defaultGateway": "10.0.0.1",
  "manufacturer": {"id": 7},
  "modelNumber": "R740",
  "osType": "Windows Server 2022",
  "installationDate": "2024-03-01T00:00:00Z",
  "installedBy": {"id": 11},
  "purchaseDate": "2024-02-15T00:00:00Z",
  "warrantyExpirationDate": "2027-02-15T00:00:00Z",
  "site": {"id": 901},
  "contact": {"id": 3001},
  "notes": "Primary DC",
  "activeFlag": true
}
EOT
  }

  write {
    action        = "update"
    id            = "7001"
    before        = { organization = "250", name = "ACME-DC01", configuration_status = "Active" }
    after         = { configuration_status = "Inactive", installed_by = "asmith", warranty_expires = "2028-02-15", notes = "Retired" }
    expect_method = "PATCH"
    expect_path   = "/company/configurations/7001"
    expect_body   = <<EOT
[
  {"op": "replace", "path": "/installedBy/id", "value": 12},
  {"op": "replace", "path": "/notes", "value": "Retired"},
  {"op": "replace", "path": "/status/id", "value": 3},
  {"op": "replace", "path": "/warrantyExpirationDate", "value": "2028-02-15T00:00:00Z"}
]
EOT
  }

  # Several configurations go to the bulk route: a JSON array, one element
  # per record.
  write {
    action = "create"
    batch = [
      { after = { organization = "250", name = "ACME-WS01", configuration_type = "Managed Server", configuration_status = "Active" } },
      { after = { organization = "250", name = "ACME-WS02", configuration_type = "Managed Server", configuration_status = "Active", serial_number = "SN9" } },
    ]
    expect_method = "POST"
    expect_path   = "/company/configurations/bulk"
    expect_body   = <<EOT
[
  {"company": {"id": 250}, "name": "ACME-WS01", "type": {"id": 5}, "status": {"id": 2}},
  {"company": {"id": 250}, "name": "ACME-WS02", "type": {"id": 5}, "status": {"id": 2}, "serialNumber": "SN9"}
]
EOT
  }

  # A configuration type ConnectWise lacks leaves the record out.
  write {
    action      = "create"
    after       = { organization = "250", name = "Toaster", configuration_type = "Toaster", configuration_status = "Active" }
    expect_skip = "configuration type does not exist in ConnectWise"
  }
}

test "connectwise ticket" {
  system = system.connectwise
  object = "ticket"

  # Linked configurations are a sub-resource: fetched lists its items.
  read {
    raw     = <<EOT
{
  "id": 5005,
  "summary": "Printer offline",
  "company": {"id": 250},
  "board": {"id": 1, "name": "Help Desk"},
  "status": {"id": 11, "name": "New"},
  "priority": {"id": 3, "name": "Priority 3 - Normal"},
  "contact": {"id": 3001},
  "_info": {"dateEntered": "2026-11-01T08:00:00Z", "lastUpdated": "2026-11-02T09:30:00Z"}
}
EOT
    fetched = { configurations = [{ id = 7001, name = "ACME-DC01" }, { id = 7002, name = "ACME-FW" }] }
    expect = {
      organization   = "250"
      number         = "5005"
      summary        = "Printer offline"
      board          = "Help Desk"
      status         = "New"
      priority       = "Priority 3 - Normal"
      contact        = "3001"
      configurations = ["7001", "7002"]
      created_at     = "2026-11-01T08:00:00Z"
      updated_at     = "2026-11-02T09:30:00Z"
    }
  }
}
