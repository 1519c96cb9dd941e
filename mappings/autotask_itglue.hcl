# Autotask PSA <-> IT Glue.
#
# Two-way: organizations <-> companies (accounts), contacts <-> contacts,
# configurations <-> configuration items (PSA custom fields excluded).
# Locations are derived from the company's address, so they flow into IT
# Glue only. One-way: tickets, from Autotask into IT Glue. The PSA wins
# conflicts. Field blocks carry the IT Glue column of the field table as
# their label.
#
# Matching is exact: organization by name; contacts by first and last name
# within their organization; configurations by type and name within their
# organization, narrowed by serial number and MAC address; locations by
# their address within their organization.

sync "autotask_itglue" {
  psa    = system.autotask
  doc    = system.itglue
  winner = "psa"

  # Which records are in scope: account types, classifications (not mapped:
  # not a canonical field), configuration item types and ticket queues.
  settings {
    organization_types = ["Customer", "Partner"]
    configuration_types = [
      "Managed Server", "Managed Workstation", "Managed Laptop", "Firewall", "Switch", "Network Switch",
      "Router", "Wireless Access Point", "Printer", "NAS", "UPS",
    ]
    ticket_queues = ["Help Desk", "Monitoring Alert", "Client Portal"]
    contacts      = true # Enable Contacts sync
    tickets       = true
  }

  # Autotask refuses a company without a phone number and an owner
  # resource, neither of which IT Glue holds: organizations are not
  # created in Autotask from IT Glue.
  object "organization" {
    direction     = "two_way"
    scope         = "record.type in settings.organization_types"
    scope_reason  = "account type is not set to sync"
    create_in_psa = "never"
    type_field    = "type"

    field "name" {
      label = "Name"
    }
    field "status" {
      label = "Status"
    }
    field "type" {
      label = "Type"
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
    direction = "to_doc"

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
      label = "Zip Code"
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
        keys = ["address_1", "address_2", "city", "state", "postal_code", "country"]
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
    field "title" {
      label = "Title"
    }
    field "emails" {
      label    = "Work Email"
      merge_by = "value"
    }
    field "phones" {
      label = "Work Phone, Mobile Phone, Alternate Phone, Fax"
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
    scope         = "record.configuration_type in settings.configuration_types"
    scope_reason  = "configuration item type is not set to sync"
    create_in_psa = "confirmed"
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
    field "configuration_status" {
      label = "Configuration Status"
    }
    field "configuration_type" {
      label = "Configuration Type"
    }
    field "installed_date" {
      label = "Installed At"
    }
    field "installed_by" {
      label = "Installed By"
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
    field "serial_number" {
      label = "Serial Number"
    }
    field "warranty_expires" {
      label = "Expiration Date"
    }
    field "primary_mac" {
      label = "Primary MAC Address"
    }
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
    scope         = "record.board in settings.ticket_queues"
    scope_reason  = "ticket queue is not set to sync"

    field "board" {
      label = "Board"
    }
    field "summary" {
      label = "Title"
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
