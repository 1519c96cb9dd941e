# Tigerpaw -> IT Glue.
#
# One way, from Tigerpaw into IT Glue: organizations from accounts, contacts
# from active contacts, locations derived from the address blocks of
# accounts and contacts. Tigerpaw offers nothing else (no configuration
# sync, no two-way sync): a sync asking for it is refused. Each field
# block carries the IT Glue column name of the field table it implements
# as its label.
#
# Matching is exact, within the already-matched organization: organizations
# by name, contacts by first and last name, locations by their address
# (address 1, address 2, city, state, country). No match: the record is
# created in IT Glue. Several equal matches: the record created first wins.

sync "tigerpaw_itglue" {
  psa    = system.tigerpaw
  doc    = system.itglue
  winner = "psa"

  # Which accounts are in scope. The defaults fit the sandbox reference
  # data (Tigerpaw's account types and statuses): prospects, vendors and
  # competitors, and accounts that are not active, stay out.
  settings {
    organization_types    = ["Customer", "Partner"]
    organization_statuses = ["Active"]
    contacts              = true # Enable Contacts sync
  }

  object "organization" {
    direction    = "to_doc"
    scope        = "record.type in settings.organization_types && record.status in settings.organization_statuses"
    scope_reason = "organization type or status is not set to sync"
    type_field   = "type"

    field "name" {
      label = "Name"
    }
    field "status" {
      label = "Status"
    }
    field "type" {
      label = "Type"
    }
    field "primary_location" {
      label = "Primary Location"
    }
    field "short_name" {
      label = "Short Name"
    }

    match {
      rule "name" {
        keys = ["name"]
      }
      tie = "oldest"
    }
  }

  object "location" {
    direction = "to_doc"

    field "name" {
      label = "Location Name"
    }
    field "address_1" {
      label = "Address 1"
    }
    field "address_2" {
      label = "Address 2"
    }
    field "city" {
      label = "City"
    }
    field "state" {
      label = "State/Province"
    }
    field "postal_code" {
      label = "Zip/Postal Code"
    }
    field "country" {
      label = "Country"
    }
    field "phone" {
      label = "Phone"
    }
    field "fax" {
      label = "Fax"
    }

    match {
      scope_by = "organization"
      rule "address" {
        keys = ["address_1", "address_2", "city", "state", "country"]
      }
      tie       = "oldest"
      normalize = { address_1 = "lower", address_2 = "lower", city = "lower", state = "lower", country = "lower" }
    }
  }

  object "contact" {
    direction = "to_doc"
    enabled   = "settings.contacts"

    field "first_name" {
      label = "First Name"
    }
    field "last_name" {
      label = "Last Name"
    }
    field "title" {
      label = "Title"
    }
    field "notes" {
      label = "Notes"
    }
    field "emails" {
      label = "Emails"
    }
    field "phones" {
      label = "Phones"
    }

    match {
      scope_by = "organization"
      rule "name" {
        keys = ["first_name", "last_name"]
      }
      tie = "oldest"
    }
  }
}
