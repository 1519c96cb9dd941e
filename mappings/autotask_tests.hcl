# Mapping tests of the Autotask PSA mapping (autotask.hcl), run by
# `mapsync test` and by the project's tests: records as the API returns
# them and the canonical values read from them; canonical changes and the
# requests sent for them (creates as JSON objects, updates as PATCH of the
# collection with the id and the changed fields only). Picklists and
# related rows are stubbed per test.

test "autotask company" {
  system  = system.autotask
  object  = "organization"
  lookups = { company_type = { "Customer" = 1, "Prospect" = 3 } }

  read {
    raw = <<EOT
{
  "id": 301,
  "companyName": "Acme Dental",
  "companyNumber": "ACME",
  "companyType": 1,
  "isActive": true,
  "parentCompanyID": 12,
  "phone": "555-0100",
  "fax": "555-0101",
  "webAddress": "https://acme.example",
  "address1": " 1 Main St ",
  "address2": null,
  "city": "Springfield",
  "postalCode": "12345",
  "userDefinedFields": [
    {"name": "Contract Tier", "value": "Gold"},
    {"name": "After Hours Support", "value": null}
  ]
}
EOT
    expect = {
      name              = "Acme Dental"
      short_name        = "ACME"
      type              = "Customer"
      status            = "Active"
      parent            = "12"
      primary_location  = "301|1 main st||springfield|12345"
      phone             = "555-0100"
      fax               = "555-0101"
      website           = "https://acme.example"
      psa_custom_fields = [{ name = "Contract Tier", value = "Gold" }]
    }
  }

  # No address: no primary location; inactive.
  read {
    raw    = { id = 302, companyName = "Bare Co", isActive = false, userDefinedFields = [] }
    expect = { status = "Inactive", primary_location = null, parent = null, psa_custom_fields = null }
  }

  # Only the changed fields and the id, PATCH of the collection.
  write {
    action        = "update"
    id            = "301"
    before        = { name = "Acme Dental", status = "Active", type = "Customer" }
    after         = { name = "Acme Dental Group", status = "Inactive", type = "Prospect", short_name = "ACMEG", parent = "14", phone = "555-0200", fax = "555-0201", website = "https://acmeg.example" }
    expect_method = "PATCH"
    expect_path   = "/Companies"
    expect_body   = <<EOT
{"id": 301, "companyName": "Acme Dental Group", "isActive": false, "companyType": 3, "companyNumber": "ACMEG",
 "parentCompanyID": 14, "phone": "555-0200", "fax": "555-0201", "webAddress": "https://acmeg.example"}
EOT
  }

  write {
    action        = "create"
    after         = { name = "Acme Dental", type = "Customer", status = "Active", phone = "555-0100" }
    expect_method = "POST"
    expect_path   = "/Companies"
    expect_body   = { companyName = "Acme Dental", companyType = 1, isActive = true, phone = "555-0100" }
  }
}

test "autotask contact" {
  system = system.autotask
  object = "contact"

  read {
    raw = <<EOT
{
  "id": 501, "companyID": 301, "firstName": "Ann", "lastName": "Lee", "title": "Office Manager",
  "emailAddress": "ann@acme.example", "emailAddress2": "ann.lee@home.example",
  "phone": "555-0100", "extension": "12", "mobilePhone": "555-0199", "alternatePhone": null, "faxNumber": "555-0101",
  "isActive": 1
}
EOT
    expect = {
      organization = "301"
      first_name   = "Ann"
      last_name    = "Lee"
      title        = "Office Manager"
      emails       = [{ value = "ann@acme.example", type = "Work", primary = true }]
      phones = [
        { type = "Work", value = "555-0100", extension = "12", primary = true },
        { type = "Mobile", value = "555-0199", extension = null, primary = false },
        { type = "Fax", value = "555-0101", extension = null, primary = false },
      ]
      active = true
    }
  }

  read {
    raw    = { id = 502, companyID = 301, firstName = "Bo", lastName = "Ng", isActive = 0 }
    expect = { emails = null, phones = null, active = false, title = null }
  }

  # Created under its company.
  write {
    action        = "create"
    after         = { organization = "301", first_name = "Ann", last_name = "Lee", title = "CFO", emails = [{ value = "ann@acme.example", primary = true }], active = true }
    expect_method = "POST"
    expect_path   = "/Companies/301/Contacts"
    expect_body   = { companyID = 301, firstName = "Ann", lastName = "Lee", title = "CFO", emailAddress = "ann@acme.example", isActive = 1 }
  }

  # Created from IT Glue, which holds no active flag: active by default.
  write {
    action        = "create"
    after         = { organization = "301", first_name = "Bo", last_name = "Ng" }
    expect_method = "POST"
    expect_path   = "/Companies/301/Contacts"
    expect_body   = { companyID = 301, firstName = "Bo", lastName = "Ng", isActive = 1 }
  }

  # The company is sent on create only: a contact never moves.
  write {
    action        = "update"
    id            = "501"
    before        = { organization = "301", first_name = "Ann", last_name = "Lee" }
    after         = { title = "CFO", emails = [{ value = "x@acme.example", primary = false }, { value = "ann@acme.example", primary = true }] }
    expect_method = "PATCH"
    expect_path   = "/Companies/301/Contacts"
    expect_body   = { id = 501, title = "CFO", emailAddress = "ann@acme.example" }
  }

  write {
    action         = "create"
    after          = { organization = "301", first_name = "Ann" }
    expect_invalid = { last_name = "required" }
  }
}

test "autotask configuration item" {
  system = system.autotask
  object = "configuration"
  lookups = {
    configuration_item_type = { "Managed Server" = 1, "Firewall" = 4 }
    resource                = { "jwalker" = 29682885 }
    product = [
      { id = 402, name = "Dell PowerEdge T440", manufacturerName = "Dell", manufacturerProductName = "PowerEdge T440" },
      { id = 403, name = "HPE ProLiant DL380 Gen10", manufacturerName = "HPE", manufacturerProductName = "ProLiant DL380 Gen10" },
    ]
  }

  read {
    raw = <<EOT
{
  "id": 701, "companyID": 301, "contactID": 501, "configurationItemType": 1, "productID": 402,
  "referenceTitle": "ACME-SRV01", "referenceNumber": "A-100", "serialNumber": "SN123", "isActive": true,
  "installDate": "2024-03-01T00:00:00.000Z", "installedByID": 29682885,
  "warrantyExpirationDate": "2027-03-01T00:00:00.000Z", "notes": "rack 2",
  "rmmDeviceAuditMacAddress": "00-11-22-AA-BB-CC",
  "userDefinedFields": [{"name": "Backup Solution", "value": "Datto SIRIS"}, {"name": "Patch Group", "value": null}]
}
EOT
    expect = {
      organization         = "301"
      name                 = "ACME-SRV01"
      asset_tag            = "A-100"
      contact              = "501"
      configuration_status = "Active"
      configuration_type   = "Managed Server"
      installed_date       = "2024-03-01"
      installed_by         = "jwalker"
      serial_number        = "SN123"
      manufacturer         = "Dell"
      model                = "PowerEdge T440"
      warranty_expires     = "2027-03-01"
      notes                = "rack 2"
      primary_mac          = "00:11:22:AA:BB:CC"
      psa_custom_fields    = [{ name = "Backup Solution", value = "Datto SIRIS" }]
    }
  }

  # No reference title and a product the rows do not hold: the name is
  # unknown, not empty (nothing is blanked on the documentation side).
  read {
    raw            = { id = 705, companyID = 301, configurationItemType = 1, productID = 999, referenceTitle = "", isActive = true }
    expect_invalid = { name = "its product is not found" }
  }

  # No reference title: the product's name stands in.
  read {
    raw    = { id = 703, companyID = 301, productID = 403, referenceTitle = "  ", isActive = true }
    expect = { name = "HPE ProLiant DL380 Gen10", manufacturer = "HPE", model = "ProLiant DL380 Gen10" }
  }

  read {
    raw            = { id = 702, companyID = 301, isActive = false, rmmDeviceAuditMacAddress = "00:11:22:33:44:55, 66:77:88:99:aa:bb" }
    expect         = { configuration_status = "Inactive" }
    expect_invalid = { primary_mac = "more than one MAC address" }
  }

  write {
    action        = "update"
    id            = "701"
    before        = { name = "ACME-SRV01", configuration_type = "Managed Server" }
    after         = { serial_number = "SN999", configuration_status = "Inactive", configuration_type = "Firewall", asset_tag = "A-101", contact = "502", installed_date = "2024-04-01", installed_by = "jwalker", warranty_expires = "2028-01-01", notes = "moved", name = "ACME-FW01" }
    expect_method = "PATCH"
    expect_path   = "/ConfigurationItems"
    expect_body   = <<EOT
{"id": 701, "serialNumber": "SN999", "isActive": false, "configurationItemType": 4, "referenceNumber": "A-101",
 "contactID": 502, "installDate": "2024-04-01T00:00:00Z", "installedByID": 29682885,
 "warrantyExpirationDate": "2028-01-01T00:00:00Z", "notes": "moved", "referenceTitle": "ACME-FW01"}
EOT
  }

  # With a manufacturer and model: the product of both is sent.
  write {
    action        = "create"
    after         = { organization = "301", name = "ACME-SRV02", configuration_type = "Managed Server", configuration_status = "Active", manufacturer = "HPE", model = "ProLiant DL380 Gen10", serial_number = "SN5" }
    expect_method = "POST"
    expect_path   = "/ConfigurationItems"
    expect_body   = { companyID = 301, referenceTitle = "ACME-SRV02", configurationItemType = 1, isActive = true, productID = 403, serialNumber = "SN5" }
  }

  # A manufacturer and model no product has: left out with the reason.
  write {
    action      = "create"
    after       = { organization = "301", name = "ACME-SRV03", configuration_type = "Managed Server", configuration_status = "Active", manufacturer = "HPE", model = "Nope 1" }
    expect_skip = "no Autotask product"
  }

  # Without a manufacturer and model no configuration item is created.
  write {
    action         = "create"
    after          = { organization = "301", name = "ACME-SRV02", configuration_type = "Managed Server", configuration_status = "Active" }
    expect_invalid = { manufacturer = "required", model = "required" }
  }
}

test "autotask ticket" {
  system = system.autotask
  object = "ticket"
  lookups = {
    queue           = { "Help Desk" = 29683481 }
    ticket_status   = { "New" = 1 }
    ticket_priority = { "High" = 1 }
  }

  read {
    raw = <<EOT
{
  "id": 901, "ticketNumber": "T20261130.0001", "title": "Printer offline", "companyID": 301, "contactID": 501,
  "configurationItemID": 701, "queueID": 29683481, "status": 1, "priority": 1, "createDate": "2026-11-30T09:00:00.000Z", "lastActivityDate": "2026-11-30T10:00:00.000Z"
}
EOT
    expect = {
      organization   = "301"
      number         = "T20261130.0001"
      summary        = "Printer offline"
      contact        = "501"
      configurations = ["701"]
      board          = "Help Desk"
      status         = "New"
      priority       = "High"
      created_at     = "2026-11-30T09:00:00Z"
      updated_at     = "2026-11-30T10:00:00Z"
    }
  }

  read {
    raw    = { id = 902, ticketNumber = "T1", title = "x", companyID = 301 }
    expect = { configurations = null, contact = null, board = null }
  }
}

# Locations are derived from the company's address: the item a company
# gives, as the location object reads it.
test "autotask derived location" {
  system  = system.autotask
  object  = "location"
  lookups = { country = { "United States" = 237 } }

  read {
    raw = <<EOT
{
  "_derived": {"id": "301|1 main st|suite 2|springfield|12345", "from": "organization", "source_id": "301", "rank": 0},
  "companyID": 301, "address1": "1 Main St", "address2": "Suite 2", "city": "Springfield", "state": "IL",
  "postalCode": "12345", "countryID": 237, "phone": "555-0100", "fax": "555-0101"
}
EOT
    expect = {
      organization = "301"
      name         = "1 Main St"
      address_1    = "1 Main St"
      address_2    = "Suite 2"
      city         = "Springfield"
      state        = "IL"
      postal_code  = "12345"
      country      = "United States"
      phone        = "555-0100"
      fax          = "555-0101"
      primary      = true
    }
  }
}
