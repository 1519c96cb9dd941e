# Mapping tests of the Kaseya BMS mapping (kaseya_bms.hcl), run by `mapsync
# test` and by the project's tests: for each object, a record as a search
# route returns it and the canonical values read from it; canonical changes
# and the request the connector sends for them (creates as JSON objects,
# updates as JSON Patch arrays of the changed fields). Lookup tables are
# stubbed per test. pulseway_psa_tests.hcl holds the same cases for
# Pulseway PSA.

test "kaseya_bms account" {
  system  = system.kaseya_bms
  object  = "organization"
  lookups = { account_type = { "Customer" = 1, "Partner" = 4 } }

  read {
    raw    = <<EOT
{"Id": 1001, "AccountName": "Oakmont Pharmacy Inc.", "AccountCode": "OakmontPharmacy", "AccountType": "Customer", "AccountTypeId": 1,
 "IsActive": true, "ParentId": 1000, "MainLocationId": 5001, "ModifiedOn": "2023-11-10T07:30:17Z", "CreatedOn": "2021-01-01T09:46:42Z"}
EOT
    expect = { name = "Oakmont Pharmacy Inc.", short_name = "OakmontPharmacy", type = "Customer", status = "Active", parent = "1000", primary_location = "5001" }
  }

  # An inactive account without parent or location.
  read {
    raw    = { Id = 1002, AccountName = "Bare Co", AccountCode = "BareCo", IsActive = false, ParentId = null, MainLocationId = null }
    expect = { status = "Inactive", parent = null, primary_location = null }
  }

  write {
    action        = "create"
    after         = { name = "Oakmont Pharmacy Inc.", short_name = "OakmontPharmacy", type = "Customer", status = "Active", parent = "1000" }
    expect_method = "POST"
    expect_path   = "/crm/accounts"
    expect_body   = { AccountName = "Oakmont Pharmacy Inc.", AccountCode = "OakmontPharmacy", AccountTypeId = 1, IsActive = true, ParentId = 1000 }
  }

  # Only the changed fields, as JSON Patch.
  write {
    action        = "update"
    id            = "1001"
    before        = { name = "Oakmont Pharmacy", type = "Customer", status = "Active" }
    after         = { name = "Oakmont Pharmacy Inc.", type = "Partner", status = "Inactive" }
    expect_method = "PATCH"
    expect_path   = "/crm/accounts/1001"
    expect_body   = <<EOT
[{"op": "replace", "path": "/AccountName", "value": "Oakmont Pharmacy Inc."},
 {"op": "replace", "path": "/AccountTypeId", "value": 4},
 {"op": "replace", "path": "/IsActive", "value": false}]
EOT
  }

  # An account type BMS lacks leaves the account out.
  write {
    action      = "create"
    after       = { name = "Prospect Co", short_name = "ProspectCo", type = "Lead" }
    expect_skip = "account type does not exist"
  }
}

test "kaseya_bms location" {
  system  = system.kaseya_bms
  object  = "location"
  lookups = { country = { "United States" = 1, "Canada" = 2 } }

  read {
    raw = <<EOT
{"Id": 5004, "AccountId": 1002, "LocationName": "Warehouse", "IsMain": false, "IsActive": true,
 "Addresses": [{"Address1": "1915 Main Ln", "Address2": "Suite 306", "City": "Charlotte", "State": "NC", "ZipCode": "28202",
   "Country": "United States", "CountryId": 1, "Phone": "(704) 361-0938", "Fax": "(704) 953-3178", "IsMain": true}],
 "ModifiedOn": "2024-06-27T07:59:39Z", "CreatedOn": "2024-02-26T04:35:49Z"}
EOT
    expect = {
      organization = "1002"
      name         = "Warehouse"
      address_1    = "1915 Main Ln"
      address_2    = "Suite 306"
      city         = "Charlotte"
      state        = "NC"
      postal_code  = "28202"
      country      = "United States"
      phone        = "(704) 361-0938"
      fax          = "(704) 953-3178"
    }
  }

  # A location without an address.
  read {
    raw    = { Id = 5005, AccountId = 1002, LocationName = "Remote", Addresses = [] }
    expect = { name = "Remote", address_1 = null, country = null }
  }

  # Created under its account (the route names it).
  write {
    action        = "create"
    before        = { organization = "1002" }
    after         = { organization = "1002", name = "Annex", address_1 = "1 Elm St", city = "Charlotte", state = "NC", postal_code = "28202", country = "Canada", phone = "555-0100", fax = "555-0101", address_2 = "Floor 2" }
    expect_method = "POST"
    expect_path   = "/crm/accounts/1002/locations"
    expect_body   = <<EOT
{"AccountId": 1002, "LocationName": "Annex", "Addresses": [{"Address1": "1 Elm St", "Address2": "Floor 2", "City": "Charlotte", "State": "NC", "ZipCode": "28202", "CountryId": 2, "Phone": "555-0100", "Fax": "555-0101"}]}
EOT
  }

  write {
    action        = "update"
    id            = "5004"
    before        = { organization = "1002", name = "Warehouse", city = "Charlotte" }
    after         = { city = "Concord", country = "Canada" }
    expect_method = "PATCH"
    expect_path   = "/crm/accounts/1002/locations/5004"
    expect_body   = <<EOT
[{"op": "replace", "path": "/Addresses/0/City", "value": "Concord"},
 {"op": "replace", "path": "/Addresses/0/CountryId", "value": 2}]
EOT
  }
}

test "kaseya_bms contact" {
  system = system.kaseya_bms
  object = "contact"

  # The search route answers the summary shape (IsPoc).
  read {
    raw = <<EOT
{"Id": 20002, "AccountId": 1001, "FirstName": "David", "LastName": "Cook", "JobTitle": "IT Coordinator", "LocationId": 5001, "IsPoc": true,
 "Emails": [{"Id": 1, "EmailAddress": "david.cook@oakmont.example", "EmailType": "Work", "EmailTypeId": 1, "IsDefault": true}],
 "Phones": [{"Id": 1, "Phone": "(704) 461-6277", "PhoneType": "Direct", "PhoneTypeId": 5, "IsDefault": true},
            {"Id": 2, "Phone": "(704) 396-2110", "PhoneType": "Mobile", "PhoneTypeId": 2, "Extension": "12", "IsDefault": false}],
 "ModifiedOn": "2024-12-07T22:55:21Z", "CreatedOn": "2021-09-20T10:22:39Z"}
EOT
    expect = {
      organization = "1001"
      first_name   = "David"
      last_name    = "Cook"
      title        = "IT Coordinator"
      location     = "5001"
      important    = true
      emails       = [{ value = "david.cook@oakmont.example", type = "Work", primary = true }]
      phones = [
        { value = "(704) 461-6277", type = "Direct", extension = null, primary = true },
        { value = "(704) 396-2110", type = "Mobile", extension = "12", primary = false },
      ]
    }
  }

  # A single contact and a write answer the full shape (Poc).
  read {
    raw    = { Id = 20003, AccountId = 1001, FirstName = "Pat", Poc = false, Emails = [], Phones = [] }
    expect = { important = false, emails = null, phones = null }
  }

  write {
    action = "create"
    after = {
      organization = "1001"
      first_name   = "Dana"
      last_name    = "Whitfield"
      title        = "Office Manager"
      location     = "5001"
      important    = true
      emails       = [{ value = "dana@oakmont.example", type = "Home", primary = true }]
      phones       = [{ value = "555-0100", type = "Mobile", extension = "7", primary = true }]
    }
    expect_method = "POST"
    expect_path   = "/crm/contacts"
    expect_body   = <<EOT
{"AccountId": 1001, "FirstName": "Dana", "LastName": "Whitfield", "JobTitle": "Office Manager", "LocationId": 5001, "Poc": true,
 "Emails": [{"EmailAddress": "dana@oakmont.example", "EmailType": "Work", "IsDefault": true}],
 "Phones": [{"Phone": "555-0100", "PhoneType": "Mobile", "Extension": "7", "IsDefault": true}]}
EOT
  }

  # BMS creates a contact only with a first name, an e-mail, a phone and
  # a location.
  write {
    action         = "create"
    after          = { organization = "1001", first_name = "Pat", last_name = "Kowalski", emails = [], phones = [{ value = "555-0100", primary = true }] }
    expect_invalid = { emails = "required", location = "required" }
  }

  write {
    action        = "update"
    id            = "20002"
    before        = { first_name = "David", title = "IT Coordinator", important = false }
    after         = { title = "IT Manager", important = true }
    expect_method = "PATCH"
    expect_path   = "/crm/contacts/20002"
    expect_body   = <<EOT
[{"op": "replace", "path": "/JobTitle", "value": "IT Manager"}, {"op": "replace", "path": "/Poc", "value": true}]
EOT
  }
}

test "kaseya_bms hardware asset" {
  system  = system.kaseya_bms
  object  = "configuration"
  lookups = { asset_category = { "Managed Server" = 1, "Firewall" = 4 }, asset_state = { "Active" = 1, "In Stock" = 4 }, manufacturer = { "Dell" = 1 } }

  read {
    raw = <<EOT
{"Id": 100002, "AccountId": 1001, "AccountLocationId": 5001, "ContactId": 20001, "Name": "OP-DC01", "Category": "Managed Server", "CategoryId": 1,
 "State": "Active", "StateId": 1, "AssetTag": "T-100", "DefaultGateway": "192.168.43.1", "IpAddress": "192.168.43.10",
 "Manufacturer": "Dell", "ManufacturerId": 1, "ModelNumber": "PowerEdge R650", "Description": "Domain controller",
 "OsInfo": "Windows Server 2016 Standard", "LocationInfo": "Rack 2, U10", "OsType": "Windows Server",
 "AcquisitionDate": "2025-05-02T00:00:00Z", "SerialNumber": "2FJNC77", "MacAddress": "f8-bc-12-85-6e-92",
 "WarrantyExpirationDate": "2030-05-02T00:00:00Z", "ModifiedOn": "2025-05-10T00:32:21Z", "CreatedOn": "2025-05-05T22:45:35Z"}
EOT
    expect = {
      organization         = "1001"
      name                 = "OP-DC01"
      configuration_type   = "Managed Server"
      configuration_status = "Active"
      asset_tag            = "T-100"
      contact              = "20001"
      default_gateway      = "192.168.43.1"
      primary_ip           = "192.168.43.10"
      location             = "5001"
      manufacturer         = "Dell"
      model                = "PowerEdge R650"
      notes                = "Domain controller"
      operating_system     = "Windows Server 2016 Standard"
      position             = "Rack 2, U10"
      platform             = "Windows Server"
      purchased_date       = "2025-05-02"
      serial_number        = "2FJNC77"
      primary_mac          = "F8:BC:12:85:6E:92"
      warranty_expires     = "2030-05-02"
    }
  }

  # Several MAC addresses in the field: not synced, with the reason.
  read {
    raw            = { Id = 100003, AccountId = 1001, Name = "OP-WS01", MacAddress = "00:1A:2B:3C:4D:5E, 00:1A:2B:3C:4D:5F" }
    expect_invalid = { primary_mac = "more than one MAC address" }
  }

  write {
    action = "create"
    after = {
      organization         = "1001"
      name                 = "OP-FW02"
      configuration_type   = "Firewall"
      configuration_status = "In Stock"
      asset_tag            = "T-200"
      contact              = "20001"
      default_gateway      = "10.0.0.1"
      primary_ip           = "10.0.0.2"
      location             = "5001"
      manufacturer         = "Dell"
      model                = "TZ370"
      notes                = "Spare"
      operating_system     = "SonicOS 7"
      position             = "Shelf"
      platform             = "Embedded"
      purchased_date       = "2026-01-15"
      serial_number        = "SN-9"
      primary_mac          = "00:17:C5:1C:35:30"
      warranty_expires     = "2029-01-15"
    }
    expect_method = "POST"
    expect_path   = "/servicedesk/hardwareasset"
    expect_body   = <<EOT
{"AccountId": 1001, "Name": "OP-FW02", "CategoryId": 4, "StateId": 4, "AssetTag": "T-200", "ContactId": 20001, "DefaultGateway": "10.0.0.1",
 "IpAddress": "10.0.0.2", "AccountLocationId": 5001, "ManufacturerId": 1, "ModelNumber": "TZ370", "Description": "Spare",
 "OsInfo": "SonicOS 7", "LocationInfo": "Shelf", "OsType": "Embedded", "AcquisitionDate": "2026-01-15T00:00:00Z", "SerialNumber": "SN-9",
 "MacAddress": "00:17:C5:1C:35:30", "WarrantyExpirationDate": "2029-01-15T00:00:00Z"}
EOT
  }

  write {
    action        = "update"
    id            = "100002"
    before        = { name = "OP-DC01", serial_number = "2FJNC77", configuration_status = "Active" }
    after         = { serial_number = "2FJNC78", configuration_status = "In Stock" }
    expect_method = "PATCH"
    expect_path   = "/servicedesk/hardwareasset/100002"
    expect_body   = <<EOT
[{"op": "replace", "path": "/SerialNumber", "value": "2FJNC78"}, {"op": "replace", "path": "/StateId", "value": 4}]
EOT
  }

  # An asset category BMS lacks leaves the asset out.
  write {
    action      = "create"
    after       = { organization = "1001", name = "PD-01", configuration_type = "Personal Device" }
    expect_skip = "asset category does not exist"
  }
}

# IT Glue's physical position, which only the BMS and Pulseway PSA syncs
# write (their assets' physical location info).
test "itglue configuration position" {
  system = system.itglue
  object = "configuration"

  write {
    action        = "update"
    id            = "7501"
    before        = { organization = "1001", name = "ACME-DC01", position = "Rack 1" }
    after         = { position = "Rack 2, U10" }
    expect_method = "PATCH"
    expect_path   = "/configurations/7501"
    expect_body   = { data = { type = "configurations", id = "7501", attributes = { position = "Rack 2, U10" } } }
  }
}
