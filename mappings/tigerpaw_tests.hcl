# Mapping tests of the Tigerpaw mapping (tigerpaw.hcl), run by `mapsync
# test` and by the project's tests: for each object, a record as the API
# returns it and the canonical values read from it. Nothing is written to
# Tigerpaw (the sync runs one way), so there are no write cases.
# A derived location is read from its item (what a derive block's each
# gives, with the derived id under _derived). The language:
# docs/mapping-language.md, "Mapping tests".

test "tigerpaw account" {
  system = system.tigerpaw
  object = "organization"

  read {
    raw = <<EOT
{
  "AccountNumber": 1004,
  "AccountID": "ACME",
  "AccountName": "Acme Dental",
  "AccountType": "Customer",
  "Status": "Active",
  "ParentAccountNumber": null,
  "Address": {"Address1": " 12 Main St ", "Address2": "Suite 4", "City": "Tampa", "State": "FL", "ZipCode": "33602", "Country": "United States"},
  "PhoneNumbers": [{"Type": "Main", "Number": "(813) 555-0100", "Extension": "12", "IsPrimary": true}],
  "WebSite": "https://acme.example",
  "DateCreated": "2020-01-05T09:00:00.000Z",
  "DateModified": "2026-11-30T10:00:00.000Z"
}
EOT
    expect = {
      name             = "Acme Dental"
      short_name       = "ACME"
      type             = "Customer"
      status           = "Active"
      primary_location = "1004|12 main st|suite 4|tampa|fl|united states"
    }
  }

  # No address (or an empty first line): no primary location.
  read {
    raw    = { AccountNumber = 1005, AccountName = "Bare Co", AccountID = null, Address = null }
    expect = { short_name = null, primary_location = null }
  }
  read {
    raw    = { AccountNumber = 1006, AccountName = "Blank Line Co", Address = { Address1 = " ", City = "Tampa" } }
    expect = { primary_location = null }
  }
}

test "tigerpaw derived location" {
  system = system.tigerpaw
  object = "location"

  # From an account: the primary non-fax number without its extension, and
  # the fax. The state's postal code reads as the region's name.
  read {
    raw = <<EOT
{
  "_derived": {"id": "1004|12 main st|suite 4|tampa|fl|united states", "from": "organization", "source_id": "1004", "rank": 0},
  "account": 1004,
  "address_1": "12 Main St", "address_2": "Suite 4", "city": "Tampa", "state": "FL", "zip": "33602", "country": "United States",
  "phone": "(813) 555-0100",
  "fax": "(813) 555-0199"
}
EOT
    expect = {
      organization = "1004"
      name         = "12 Main St"
      address_1    = "12 Main St"
      address_2    = "Suite 4"
      city         = "Tampa"
      state        = "Florida"
      postal_code  = "33602"
      country      = "United States"
      phone        = "(813) 555-0100"
      fax          = "(813) 555-0199"
    }
  }

  # A state that is not a known code stays as typed; an empty one is empty.
  read {
    raw    = <<EOT
{
  "_derived": {"id": "1004|1 quay rd||bristol|avon|united kingdom", "from": "contact", "source_id": "50007", "rank": 1},
  "account": 1004, "address_1": "1 Quay Rd", "address_2": null, "city": "Bristol", "state": "Avon", "country": "United Kingdom",
  "phone": null, "fax": null
}
EOT
    expect = { state = "Avon", address_2 = null, phone = null, fax = null }
  }
  read {
    raw    = { _derived = { id = "1004|2 quay rd|||on|canada" }, account = 1004, address_1 = "2 Quay Rd", state = " on " }
    expect = { state = "Ontario", postal_code = null }
  }
  read {
    raw    = { _derived = { id = "1004|3 quay rd||||" }, account = 1004, address_1 = "3 Quay Rd", state = "" }
    expect = { state = null }
  }
}

test "tigerpaw contact" {
  system = system.tigerpaw
  object = "contact"

  # One phone entry per type: of the two Direct numbers the primary one, of
  # the two Mobile numbers the first; extensions kept; numbers without
  # digits left out.
  read {
    raw = <<EOT
{
  "ContactNumber": 50012,
  "AccountNumber": 1004,
  "FirstName": "Dana",
  "LastName": "Reyes",
  "Title": "Office Manager",
  "ContactType": "Primary",
  "PersonalNotes": "Prefers e-mail over phone calls.",
  "Active": true,
  "EmailAddresses": [
    {"Address": "dana@acme.example", "Type": "Business", "IsPrimary": true},
    {"Address": "dana.r@mail.example", "Type": "Personal", "IsPrimary": false},
    {"Address": "", "Type": "Other", "IsPrimary": false}
  ],
  "PhoneNumbers": [
    {"Type": "Mobile", "Number": "(813) 555-0131", "Extension": null, "IsPrimary": false},
    {"Type": "Direct", "Number": "(813) 555-0120", "Extension": null, "IsPrimary": false},
    {"Type": "Direct", "Number": "(813) 555-0121", "Extension": "210", "IsPrimary": true},
    {"Type": "Mobile", "Number": "(813) 555-0132", "Extension": null, "IsPrimary": false},
    {"Type": "Fax", "Number": "(813) 555-0199", "Extension": null, "IsPrimary": false},
    {"Type": "Home", "Number": " ", "Extension": null, "IsPrimary": false}
  ],
  "Address": null,
  "DateCreated": "2021-03-01T08:00:00.000Z",
  "DateModified": "2026-11-30T10:00:00.000Z"
}
EOT
    expect = {
      organization = "1004"
      first_name   = "Dana"
      last_name    = "Reyes"
      title        = "Office Manager"
      notes        = "Prefers e-mail over phone calls."
      emails = [
        { value = "dana@acme.example", type = "Business", primary = true },
        { value = "dana.r@mail.example", type = "Personal", primary = false },
      ]
      phones = [
        { value = "(813) 555-0131", type = "Mobile", extension = null, primary = false },
        { value = "(813) 555-0121", type = "Direct", extension = "210", primary = true },
        { value = "(813) 555-0199", type = "Fax", extension = null, primary = false },
      ]
    }
  }

  # Empty lists and fields.
  read {
    raw    = { ContactNumber = 50013, AccountNumber = 1004, FirstName = "Lee", LastName = null, Title = null, PersonalNotes = null, EmailAddresses = [], PhoneNumbers = null }
    expect = { last_name = null, title = null, notes = null, emails = null, phones = null }
  }
}
