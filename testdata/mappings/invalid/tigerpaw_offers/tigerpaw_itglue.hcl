# A copy of the shipped Tigerpaw sync (mappings/tigerpaw_itglue.hcl, with
# the shipped canonical, Tigerpaw and IT Glue files beside it) asking for
# what Tigerpaw does not offer: organizations, locations and contacts two
# way, and configurations.

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
    direction    = "two_way"
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
    direction = "two_way"

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
    direction = "two_way"
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

  object "configuration" {
    match {
      scope_by = "organization"
      rule "name" {
        keys = ["name"]
      }
    }
  }
}
