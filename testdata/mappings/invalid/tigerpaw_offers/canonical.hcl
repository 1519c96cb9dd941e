# Canonical model: the hub schema every system maps to and from.
#
# Field names are neutral (not IT Glue's, not a PSA's), so one sync file reads
# the same for every PSA. Fields a given pair of systems does not map are
# simply not synced by that pair: the model carries what Autotask, Kaseya BMS,
# Pulseway PSA and Tigerpaw need too (active flags, "important" contacts,
# physical position, ...).
#
# Reference fields (type = "ref") hold the id, in the same system, of a record
# of another type. They order the object stages of a sync:
#   organization -> location -> contact -> configuration -> ticket
# A deferred reference does not order stages (it is set once the referenced
# stage has run); a reference to the own type (parent organization) is
# resolved within its stage.

canonical "organization" {
  description = "A customer (or partner) of the MSP: IT Glue organization, ConnectWise company, Autotask/BMS/Tigerpaw account."

  field "name" {
    type  = "string"
    label = "Name"
  }
  field "short_name" {
    type        = "string"
    label       = "Short Name"
    description = "Short code: ConnectWise company identifier, Autotask account number, BMS account code."
  }
  field "type" {
    type  = "string"
    label = "Type"
  }
  field "status" {
    type        = "string"
    label       = "Status"
    description = "Status name; systems with only an active flag map it to Active/Inactive."
  }
  field "parent" {
    type  = "ref"
    ref   = "organization"
    label = "Parent Organization"
  }
  field "primary_location" {
    type     = "ref"
    ref      = "location"
    deferred = true # locations belong to organizations: set after the location stage
    label    = "Primary Location"
  }
  field "phone" {
    type  = "string"
    label = "Phone"
  }
  field "fax" {
    type  = "string"
    label = "Fax"
  }
  field "website" {
    type  = "string"
    label = "Website"
  }
  field "psa_custom_fields" {
    type        = "json"
    label       = "PSA Custom Fields"
    description = "List of {name, value}: the PSA's own extra fields of the record (ConnectWise company custom fields, configuration questions), shown read-only on the documentation side."
  }
}

canonical "location" {
  description = "A site or office of an organization (ConnectWise site, Autotask/BMS location, Tigerpaw address)."

  field "organization" {
    type  = "ref"
    ref   = "organization"
    label = "Organization"
  }
  field "name" {
    type  = "string"
    label = "Name"
  }
  field "address_1" {
    type  = "string"
    label = "Address 1"
  }
  field "address_2" {
    type  = "string"
    label = "Address 2"
  }
  field "city" {
    type  = "string"
    label = "City"
  }
  field "state" {
    type  = "string"
    label = "State/Province"
  }
  field "postal_code" {
    type  = "string"
    label = "Zip/Postal Code"
  }
  field "country" {
    type  = "string"
    label = "Country"
  }
  field "phone" {
    type  = "string"
    label = "Phone"
  }
  field "fax" {
    type  = "string"
    label = "Fax"
  }
  field "primary" {
    type  = "bool"
    label = "Primary"
  }
  field "active" {
    type  = "bool"
    label = "Active"
  }
}

canonical "contact" {
  description = "A person at an organization."

  field "organization" {
    type  = "ref"
    ref   = "organization"
    label = "Organization"
  }
  field "first_name" {
    type  = "string"
    label = "First Name"
  }
  field "last_name" {
    type  = "string"
    label = "Last Name"
  }
  field "title" {
    type  = "string"
    label = "Title"
  }
  field "type" {
    type  = "string"
    label = "Type"
  }
  field "location" {
    type  = "ref"
    ref   = "location"
    label = "Location"
  }
  field "emails" {
    type        = "json"
    label       = "Emails"
    description = "List of {value, type, primary}."
  }
  field "phones" {
    type        = "json"
    label       = "Phones"
    description = "List of {value, type, extension, primary}; fax numbers have type Fax."
  }
  field "important" {
    type  = "bool"
    label = "Important Contact"
  }
  field "notes" {
    type  = "string"
    label = "Notes"
  }
  field "active" {
    type  = "bool"
    label = "Active"
  }
}

canonical "configuration" {
  description = "A device or other configuration item (IT Glue configuration, ConnectWise configuration, Autotask CI, BMS asset)."

  field "organization" {
    type  = "ref"
    ref   = "organization"
    label = "Organization"
  }
  field "name" {
    type  = "string"
    label = "Name"
  }
  field "configuration_type" {
    type  = "string"
    label = "Configuration Type"
  }
  field "configuration_status" {
    type  = "string"
    label = "Configuration Status"
  }
  field "asset_tag" {
    type  = "string"
    label = "Asset Tag"
  }
  field "serial_number" {
    type  = "string"
    label = "Serial Number"
  }
  field "primary_mac" {
    type        = "string"
    label       = "Primary MAC Address"
    description = "One MAC address, AA:BB:CC:DD:EE:FF."
  }
  field "primary_ip" {
    type  = "string"
    label = "Primary IP"
  }
  field "default_gateway" {
    type  = "string"
    label = "Default Gateway"
  }
  field "hostname" {
    type  = "string"
    label = "Hostname"
  }
  field "manufacturer" {
    type  = "string"
    label = "Manufacturer"
  }
  field "model" {
    type  = "string"
    label = "Model"
  }
  field "operating_system" {
    type  = "string"
    label = "Operating System"
  }
  field "platform" {
    type  = "string"
    label = "Platform"
  }
  field "position" {
    type  = "string"
    label = "Physical Position"
  }
  field "installed_date" {
    type  = "date"
    label = "Installed Date"
  }
  field "installed_by" {
    type  = "string"
    label = "Installed By"
  }
  field "purchased_date" {
    type  = "date"
    label = "Purchased Date"
  }
  field "warranty_expires" {
    type  = "date"
    label = "Expiration Date"
  }
  field "location" {
    type  = "ref"
    ref   = "location"
    label = "Location"
  }
  field "contact" {
    type  = "ref"
    ref   = "contact"
    label = "Contact"
  }
  field "notes" {
    type  = "string"
    label = "Notes"
  }
  field "active" {
    type  = "bool"
    label = "Active"
  }
  field "psa_custom_fields" {
    type        = "json"
    label       = "PSA Custom Fields"
    description = "List of {name, value}: the PSA's own extra fields of the record (ConnectWise company custom fields, configuration questions), shown read-only on the documentation side."
  }
}

canonical "ticket" {
  description = "A service ticket (synced one way, from the PSA into the documentation system)."

  field "organization" {
    type  = "ref"
    ref   = "organization"
    label = "Organization"
  }
  field "number" {
    type  = "string"
    label = "Ticket Number"
  }
  field "summary" {
    type  = "string"
    label = "Title"
  }
  field "board" {
    type        = "string"
    label       = "Board"
    description = "ConnectWise board, Autotask queue, BMS queue."
  }
  field "status" {
    type  = "string"
    label = "Status"
  }
  field "priority" {
    type  = "string"
    label = "Priority"
  }
  field "contact" {
    type  = "ref"
    ref   = "contact"
    label = "Contact"
  }
  field "configurations" {
    type  = "list"
    ref   = "configuration"
    label = "Configurations"
  }
  field "created_at" {
    type  = "datetime"
    label = "Created"
  }
  field "updated_at" {
    type  = "datetime"
    label = "Updated"
  }
}
