# ConnectWise Manage <-> IT Glue.
#
# Two-way: organizations <-> companies, locations <-> sites, contacts <->
# contacts, configurations <-> configurations. One-way: tickets, from
# ConnectWise into IT Glue. The PSA wins conflicts. Each field block carries
# the IT Glue column name of the field table it implements as its label, so
# `mapsync mappings show` can be checked row by row against that table.
#
# Matching is exact (no fuzzy matching), within the already-matched
# organization. No match: the record is created. Several equal matches: the
# record created first wins.

sync "connectwise_itglue" {
  psa    = system.connectwise
  doc    = system.itglue
  winner = "psa"

  # Which records are in scope. The defaults fit the sandbox reference data
  # (and the usual names for the same things): company types Prospect and
  # Vendor, inactive or unapproved companies, configuration types such as
  # "Personal Device" or "ConnectSecure" (devices another integration owns)
  # and inactive or retired configurations stay out.
  settings {
    organization_types    = ["Customer", "Partner"]
    organization_statuses = ["Active"]
    configuration_types = [
      "Managed Server", "Managed Workstation", "Managed Laptop", "Firewall", "Switch", "Network Switch",
      "Router", "Wireless Access Point", "Printer", "NAS", "UPS",
    ]
    configuration_statuses = ["Active", "Installed", "In Stock"]
    contacts               = true # Enable Contacts sync
    tickets                = true
  }

  object "organization" {
    direction     = "two_way"
    scope         = "record.type in settings.organization_types && record.status in settings.organization_statuses"
    scope_reason  = "organization type or status is not set to sync"
    create_in_psa = "confirmed"
    type_field    = "type"

    field "name" {
      label = "Name"
    }
    field "type" {
      label = "Type"
    }
    field "status" {
      label = "Status"
    }
    field "parent" {
      label = "Parent Organization"
    }
    field "primary_location" {
      label = "Primary Location"
    }
    field "short_name" {
      label = "Short Name"
    }
    # PSA custom fields (company custom fields, configuration questions)
    # are never written back to the PSA, and are removed from the IT Glue
    # record when its link is disconnected.
    field "psa_custom_fields" {
      label               = "PSA Custom Fields"
      direction           = "to_doc"
      clear_on_disconnect = true
    }

    match {
      rule "name" {
        keys = ["name"]
      }
      tie = "oldest"
    }
  }

  object "location" {
    direction     = "two_way"
    create_in_psa = "confirmed"

    field "name" {
      label = "Name"
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
      label = "Zip/Postal code"
    }
    field "country" {
      label = "Country"
    }
    # Phone and fax go one way only, from the PSA to IT Glue.
    field "phone" {
      label     = "Phone"
      direction = "to_doc"
    }
    field "fax" {
      label     = "Fax"
      direction = "to_doc"
    }

    match {
      scope_by = "organization"
      rule "address" {
        keys = ["address_1", "address_2", "city", "state", "country"]
      }
      tie = "oldest"
    }
  }

  object "contact" {
    direction     = "two_way"
    enabled       = "settings.contacts"
    create_in_psa = "confirmed"

    field "first_name" {
      label = "First Name"
    }
    field "last_name" {
      label = "Last Name"
    }
    field "type" {
      label = "Type"
    }
    field "title" {
      label = "Title"
    }
    # Both systems keep a contact's e-mails and numbers as lists (the PSA in
    # one list of communication items, IT Glue in two labelled lists): a
    # write merges entries by their value instead of replacing the list, so
    # entries and labels the other side does not map stay.
    field "emails" {
      label    = "Emails"
      merge_by = "value"
    }
    field "phones" {
      label    = "Contact Phones"
      merge_by = "value"
    }
    field "location" {
      label = "Location"
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
    direction     = "two_way"
    scope         = "record.configuration_type in settings.configuration_types && record.configuration_status in settings.configuration_statuses"
    scope_reason  = "configuration type or status is not set to sync"
    create_in_psa = "confirmed"
    type_field    = "configuration_type" # what `mapsync pause --type` filters on

    field "name" {
      label = "Name"
    }
    field "asset_tag" {
      label = "Asset Tag"
    }
    field "contact" {
      label = "Contact"
    }
    field "default_gateway" {
      label = "Default Gateway"
    }
    field "configuration_status" {
      label = "Configuration Status"
    }
    field "configuration_type" {
      label = "Configuration Type"
    }
    field "installed_date" {
      label = "Installed Date"
    }
    field "installed_by" {
      label = "Installed By"
    }
    field "location" {
      label = "Location"
    }
    field "manufacturer" {
      label = "Manufacturer"
    }
    field "model" {
      label = "Model"
    }
    # Notes are never written to the PSA.
    field "notes" {
      label     = "Notes"
      direction = "to_doc"
    }
    field "operating_system" {
      label = "Operating System"
    }
    field "primary_ip" {
      label = "Primary IP"
    }
    field "purchased_date" {
      label = "Purchased Date"
    }
    field "serial_number" {
      label = "Serial Number"
    }
    field "primary_mac" {
      label = "Primary MAC Address"
    }
    field "warranty_expires" {
      label = "Expiration Date"
    }
    # PSA custom fields (company custom fields, configuration questions)
    # are never written back to the PSA, and are removed from the IT Glue
    # record when its link is disconnected.
    field "psa_custom_fields" {
      label               = "PSA Custom Fields"
      direction           = "to_doc"
      clear_on_disconnect = true
    }

    match {
      scope_by = "organization"
      rule "type_and_name" {
        keys = ["configuration_type", "name"]
      }
      narrow    = ["serial_number", "primary_mac"]
      tie       = "oldest"
      normalize = { primary_mac = "mac" }
    }
  }

  object "ticket" {
    direction     = "to_doc"
    enabled       = "settings.tickets"
    create_in_psa = "never"

    field "board" {
      label = "Board"
    }
    field "number" {
      label = "Ticket Number"
    }
    field "contact" {
      label = "Contact"
    }
    field "status" {
      label = "Status"
    }
    field "priority" {
      label = "Priority"
    }
    field "created_at" {
      label = "Created"
    }
    field "updated_at" {
      label = "Updated"
    }
    field "configurations" {
      label = "Configurations"
    }

    match {
      scope_by = "organization"
      rule "number" {
        keys = ["number"]
      }
      tie = "oldest"
    }
  }
}
