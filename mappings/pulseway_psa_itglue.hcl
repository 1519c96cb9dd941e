# Pulseway PSA <-> IT Glue.
#
# The same field tables and matching rules as Kaseya BMS (IT Glue maps the
# two with one table): configurations <-> assets, organizations <->
# accounts, locations <-> locations, contacts <-> contacts. This sync has
# two-way sync turned on (Pulseway's "Enable two-way sync"; leave direction
# out to pull only), and a record is created in Pulseway PSA only on
# confirmation (create_in_psa = "confirmed"): records that were in IT Glue
# before the first sync, or imported later, wait until a user edits and
# saves them (or confirms them with `mapsync push`); records created in IT
# Glue after two-way sync began are pushed. A contact is pushed only with a
# first name, an e-mail, a phone and a location. The PSA wins conflicts.
# Labels are the IT Glue column of the field tables.
#
# Matching is exact, within the already-matched organization: accounts by
# name; contacts by first and last name; assets by type and name, narrowed
# by serial number, then MAC address; locations by the address.

sync "pulseway_psa_itglue" {
  psa    = system.pulseway_psa
  doc    = system.itglue
  winner = "psa"

  # Account and asset types set to sync (account types and asset
  # categories; accounts have an active flag, not a status list).
  settings {
    organization_types    = ["Customer", "Partner"]
    organization_statuses = ["Active"]
    configuration_types = [
      "Managed Server", "Managed Workstation", "Managed Laptop", "Firewall", "Network Switch",
      "Wireless Access Point", "Printer", "NAS", "UPS",
    ]
    configuration_statuses = ["Active", "In Stock"]
    contacts               = true # Enable Contacts sync
  }

  object "organization" {
    direction     = "two_way"
    create_in_psa = "confirmed"
    scope         = "record.type in settings.organization_types && record.status in settings.organization_statuses"
    scope_reason  = "organization type or status is not set to sync"
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
      tie = "oldest"
    }
  }

  object "contact" {
    direction     = "two_way"
    create_in_psa = "confirmed"
    enabled       = "settings.contacts"

    field "first_name" {
      label = "First Name"
    }
    field "last_name" {
      label = "Last Name"
    }
    field "title" {
      label = "Title"
    }
    # Both sides keep lists of typed entries, one of them primary: writes
    # merge entries by their value, so labels the other side lacks stay.
    field "emails" {
      label    = "Emails"
      merge_by = "value"
    }
    field "phones" {
      label    = "Phones"
      merge_by = "value"
    }
    field "location" {
      label = "Location"
    }
    field "important" {
      label = "Important Contact"
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
    create_in_psa = "confirmed"
    scope         = "record.configuration_type in settings.configuration_types && record.configuration_status in settings.configuration_statuses"
    scope_reason  = "asset type or status is not set to sync"
    type_field    = "configuration_type"

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
    field "primary_ip" {
      label = "Primary IP Address"
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
    field "notes" {
      label = "Notes"
    }
    field "operating_system" {
      label = "Operating System"
    }
    field "position" {
      label = "Physical Position"
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
}
