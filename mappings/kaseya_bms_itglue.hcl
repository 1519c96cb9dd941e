# Kaseya BMS <-> IT Glue.
#
# Configurations <-> assets, organizations <-> accounts, locations <->
# locations, contacts <-> contacts. Two-way sync exists but is off by
# default: every object below takes the direction the BMS mapping offers by
# default (to_doc), so this sync only pulls. Turning it on is one line per
# object (direction = "two_way"); new IT Glue records are then pushed only
# when confirmed (create_in_psa's default), and a contact only when it has
# what BMS needs to create one (a first name, an e-mail, a phone and a
# location; see the contact object of mappings/kaseya_bms.hcl). The PSA wins
# conflicts. Labels are the IT Glue column of the field tables.
#
# Matching is exact, within the already-matched organization: accounts by
# name; contacts by first and last name; assets by type and name, narrowed
# by serial number, then MAC address; locations by the address.

sync "kaseya_bms_itglue" {
  psa    = system.kaseya_bms
  doc    = system.itglue
  winner = "psa"

  # Account and asset types set to sync (BMS has account types and asset
  # categories; its accounts have an active flag, not a status list).
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
    scope        = "record.type in settings.organization_types && record.status in settings.organization_statuses"
    scope_reason = "organization type or status is not set to sync"
    type_field   = "type"

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
    enabled = "settings.contacts"

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
    scope        = "record.configuration_type in settings.configuration_types && record.configuration_status in settings.configuration_statuses"
    scope_reason = "asset type or status is not set to sync"
    type_field   = "configuration_type"

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
