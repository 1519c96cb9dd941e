# ConnectWise Manage (ConnectWise PSA), REST API 3.0.
#
# Records are plain JSON objects; references to other records are
# {id, name, ...} objects ("company.id", "type.name"). Every record carries
# _info.lastUpdated and _info.dateEntered. Updates are RFC 6902 JSON Patch
# arrays (write = "json_patch"); list filters use the "conditions" grammar.

variable "cw_base_url" {
  env         = "CW_BASE_URL"
  default     = "https://api-na.myconnectwise.net"
  description = "ConnectWise site, without the codebase (api-eu / api-au for other regions)."
}

variable "cw_company" {
  env         = "CW_COMPANY"
  description = "ConnectWise company id used at login."
}

variable "cw_public_key" {
  env         = "CW_PUBLIC_KEY"
  description = "API member public key."
}

variable "cw_private_key" {
  env         = "CW_PRIVATE_KEY"
  sensitive   = true
  description = "API member private key."
}

variable "cw_client_id" {
  env         = "CW_CLIENT_ID"
  description = "clientId issued by the ConnectWise developer network; sent on every request."
}

system "connectwise" {
  title        = "ConnectWise Manage"
  role         = "psa"
  base_url     = "${var.cw_base_url}/v4_6_release/apis/3.0"
  headers      = { clientId = var.cw_client_id }
  content_type = "application/json"
  time_format  = "2006-01-02T15:04:05Z"
  filter       = "conditions"
  write        = "json_patch"

  # Authorization: Basic base64(company+public:private)
  auth "basic" {
    username = "${var.cw_company}+${var.cw_public_key}"
    password = var.cw_private_key
  }

  # No published numeric limit; 429 answers carry Retry-After (seconds).
  rate_limit {
    requests_per_second = 10
    burst               = 10
    concurrency         = 4
  }

  retry {
    max_attempts    = 8
    initial_backoff = 1
    max_backoff     = 60
  }

  # pageSize is capped at 1000; the Link header has rel="next" until the end.
  paging "page_number" {
    page_param = "page"
    size_param = "pageSize"
    max_size   = 1000
    stop       = "link_header"
  }

  # Lists are bare JSON arrays; errors are {code, message, errors: [...]}.
  envelope {
    items         = ""
    item          = ""
    error_message = ["errors.0.message", "message"]
  }

  # Datetimes in conditions are written in square brackets.
  changed_since "filter" {
    param    = "conditions"
    template = "lastUpdated > [${cursor}]"
    format   = "2006-01-02T15:04:05Z"
  }

  object "organization" {
    list_path = "/company/companies"
    updated   = "_info.lastUpdated"
    created   = "_info.dateEntered"

    field "name" {
      path               = "name"
      required_on_create = true
    }
    field "short_name" {
      path               = "identifier"
      required_on_create = true
    }
    # types[] can only be set when the company is created; later changes go
    # through /company/companies/{id}/typeAssociations.
    field "type" {
      path        = "types.0.name"
      write_path  = "types.0.id"
      lookup      = "company_type"
      create_only = true
    }
    field "status" {
      path       = "status.name"
      write_path = "status.id"
      lookup     = "company_status"
    }
    field "parent" {
      path = "parentCompany.id"
    }
    # The company's primary site is read-only through the API (it follows
    # the site flagged primary), so it syncs from ConnectWise to IT Glue.
    field "primary_location" {
      path   = "site.id"
      access = "read"
    }
    field "phone" {
      path = "phoneNumber"
    }
    field "fax" {
      path = "faxNumber"
    }
    field "website" {
      path = "website"
    }
    # Company custom fields (customFields[]{id, caption, type, value}) are
    # carried to the documentation side read-only, as {name, value}.
    field "psa_custom_fields" {
      path         = "customFields"
      access       = "read"
      to_canonical = "map(filter(value ?? [], #.value != nil && #.value != ''), ({'name': #.caption, 'value': #.value}))"
    }
  }

  # Sites exist only under their company: there is no collection of every
  # site, and no changed-since listing wider than one company. list_path
  # holds {ref:organization}, so the connector lists the sites of a company
  # (one paged request series per company) and sets the site's
  # organization to that company when the payload lacks it. A full run
  # lists the sites of every company; an incremental run those of the
  # companies changed or newly linked in the run plus a rotating slice of
  # the others, sized so that every company's sites are read at least once
  # a day (sweep): a site edited under an unchanged company syncs within
  # 24 hours, or at the next full run.
  object "location" {
    list_path = "/company/companies/{ref:organization}/sites"
    item_path = "/company/companies/{ref:organization}/sites/{id}"
    sweep     = "24h"
    updated   = "_info.lastUpdated"
    created   = "_info.dateEntered"

    field "organization" {
      path               = "company.id"
      required_on_create = true
    }
    field "name" {
      path               = "name"
      required_on_create = true
    }
    field "address_1" {
      path = "addressLine1"
    }
    field "address_2" {
      path = "addressLine2"
    }
    field "city" {
      path = "city"
    }
    field "state" {
      path       = "stateReference.name"
      write_path = "stateReference.id"
      lookup     = "state"
    }
    field "postal_code" {
      path = "zip"
    }
    field "country" {
      path       = "country.name"
      write_path = "country.id"
      lookup     = "country"
    }
    field "phone" {
      path = "phoneNumber"
    }
    field "fax" {
      path = "faxNumber"
    }
    field "active" {
      path           = "inactiveFlag"
      to_canonical   = "value != true"
      from_canonical = "value == false"
    }
  }

  # E-mail addresses, phone and fax numbers share one communicationItems
  # list. Both canonical lists are cut out of it, and both write the whole
  # list back (built from the two canonical lists), so neither wipes the other.
  object "contact" {
    list_path = "/company/contacts"
    updated   = "_info.lastUpdated"
    created   = "_info.dateEntered"

    field "organization" {
      path               = "company.id"
      required_on_create = true
    }
    field "first_name" {
      path               = "firstName"
      required_on_create = true
    }
    field "last_name" {
      path = "lastName"
    }
    field "title" {
      path = "title"
    }
    # typeIds can only be sent on create (typeAssociations afterwards).
    field "type" {
      path        = "types.0.name"
      write_path  = "typeIds.0"
      lookup      = "contact_type"
      create_only = true
    }
    field "location" {
      path = "site.id"
    }
    field "emails" {
      path           = "communicationItems"
      to_canonical   = "map(filter(value ?? [], #.communicationType == 'Email'), ({'value': #.value, 'type': #.type?.name, 'primary': #.defaultFlag == true}))"
      from_canonical = <<EOT
concat(
  map(record.emails ?? [], ({'communicationType': 'Email', 'type': {'name': 'Email'}, 'value': #.value, 'defaultFlag': #.primary == true})),
  map(record.phones ?? [], ({'communicationType': #.type == 'Fax' ? 'Fax' : 'Phone', 'type': {'name': #.type ?? 'Direct'}, 'value': #.value, 'extension': #.extension, 'defaultFlag': #.primary == true}))
)
EOT
    }
    field "phones" {
      path           = "communicationItems"
      to_canonical   = "map(filter(value ?? [], #.communicationType in ['Phone', 'Fax']), ({'value': #.value, 'type': #.type?.name, 'extension': #.extension, 'primary': #.defaultFlag == true}))"
      from_canonical = <<EOT
concat(
  map(record.emails ?? [], ({'communicationType': 'Email', 'type': {'name': 'Email'}, 'value': #.value, 'defaultFlag': #.primary == true})),
  map(record.phones ?? [], ({'communicationType': #.type == 'Fax' ? 'Fax' : 'Phone', 'type': {'name': #.type ?? 'Direct'}, 'value': #.value, 'extension': #.extension, 'defaultFlag': #.primary == true}))
)
EOT
    }
    field "active" {
      path           = "inactiveFlag"
      to_canonical   = "value != true"
      from_canonical = "value == false"
    }
  }

  object "configuration" {
    list_path = "/company/configurations"
    updated   = "_info.lastUpdated"
    created   = "_info.dateEntered"

    # The bulk route takes a JSON array of configurations and answers a
    # BulkResult: one {success, originalIndex, statusCode, data, error} per
    # element under "payload". (Not documented publicly in detail; the
    # sandbox serves this shape.)
    bulk {
      create {
        path   = "/company/configurations/bulk"
        method = "POST"
        max    = 100
        wrap   = "array"
        results {
          path          = "payload"
          item          = "data"
          success       = "success"
          index         = "originalIndex"
          status        = "statusCode"
          error_message = ["error.message"]
        }
      }
      # No bulk update: the bulk route's PUT replaces whole records, and the
      # engine sends only the fields that changed (JSON Patch, one request
      # per record).
    }

    field "organization" {
      path               = "company.id"
      required_on_create = true
    }
    # Name, type and status are required to create a configuration.
    field "name" {
      path               = "name"
      required_on_create = true
    }
    field "configuration_type" {
      path               = "type.name"
      write_path         = "type.id"
      lookup             = "configuration_type"
      required_on_create = true
    }
    field "configuration_status" {
      path               = "status.name"
      write_path         = "status.id"
      lookup             = "configuration_status"
      required_on_create = true
    }
    field "asset_tag" {
      path = "tagNumber"
    }
    field "serial_number" {
      path = "serialNumber"
    }
    # RMM tools write several MAC addresses into this one string. A value
    # longer than 17 characters, or that is not one MAC address, is not
    # synced: the configuration syncs without it and the reason is reported.
    # Configuration questions (questions[]{questionId, question, answer,
    # ...}) are carried to the documentation side read-only, as {name,
    # value}; unanswered questions are left out.
    field "psa_custom_fields" {
      path         = "questions"
      access       = "read"
      to_canonical = "map(filter(value ?? [], #.answer != nil && #.answer != ''), ({'name': #.question, 'value': #.answer}))"
    }
    field "primary_mac" {
      path         = "macAddress"
      to_canonical = "trim(value) == '' ? nil : (len(value) > 17 || !is_mac(value) ? reject('MAC address field holds more than one MAC address or is not a MAC address') : mac(value))"
    }
    field "primary_ip" {
      path = "ipAddress"
    }
    field "default_gateway" {
      path = "defaultGateway"
    }
    field "manufacturer" {
      path       = "manufacturer.name"
      write_path = "manufacturer.id"
      lookup     = "manufacturer"
    }
    field "model" {
      path = "modelNumber"
    }
    field "operating_system" {
      path = "osType"
    }
    field "installed_date" {
      path           = "installationDate"
      to_canonical   = "date(value)"
      from_canonical = "datetime(value)"
    }
    field "installed_by" {
      path       = "installedBy.identifier"
      write_path = "installedBy.id"
      lookup     = "member"
    }
    field "purchased_date" {
      path           = "purchaseDate"
      to_canonical   = "date(value)"
      from_canonical = "datetime(value)"
    }
    field "warranty_expires" {
      path           = "warrantyExpirationDate"
      to_canonical   = "date(value)"
      from_canonical = "datetime(value)"
    }
    field "location" {
      path = "site.id"
    }
    field "contact" {
      path = "contact.id"
    }
    field "notes" {
      path = "notes"
    }
    field "active" {
      path = "activeFlag"
    }
  }

  object "ticket" {
    list_path = "/service/tickets"
    updated   = "_info.lastUpdated"
    created   = "_info.dateEntered"

    field "organization" {
      path               = "company.id"
      required_on_create = true
    }
    # The ticket number shown to users is the ticket's id.
    field "number" {
      path         = "id"
      access       = "read"
      to_canonical = "string(value)"
    }
    field "summary" {
      path               = "summary"
      required_on_create = true
    }
    field "board" {
      path       = "board.name"
      write_path = "board.id"
      lookup     = "board"
    }
    field "status" {
      path       = "status.name"
      write_path = "status.id"
      lookup     = "ticket_status"
    }
    field "priority" {
      path       = "priority.name"
      write_path = "priority.id"
      lookup     = "priority"
    }
    field "contact" {
      path = "contact.id"
    }
    # Linked configurations are a sub-resource, read once per ticket.
    # Adding or removing one does not move the ticket's lastUpdated, and the
    # links have no date of their own: each incremental run lists the open
    # tickets again (one paged list, at most 500 tickets) and reads their
    # configurations, so a change reaches the documentation side without
    # waiting for a full run.
    field "configurations" {
      fetch         = "/service/tickets/{id}/configurations"
      path          = "id"
      access        = "read"
      refetch_query = { conditions = "closedFlag = false" }
      refetch_limit = 500
    }
    field "created_at" {
      path   = "_info.dateEntered"
      access = "read"
    }
    field "updated_at" {
      path   = "_info.lastUpdated"
      access = "read"
    }
  }

  # Reference data. Types and statuses that ConnectWise lacks are not
  # created from IT Glue: such records are left out with a reason.
  lookup "company_type" {
    path    = "/company/companies/types"
    label   = "name"
    missing = "skip"
    reason  = "company type does not exist in ConnectWise"
  }
  lookup "company_status" {
    path    = "/company/companies/statuses"
    label   = "name"
    missing = "skip"
    reason  = "company status does not exist in ConnectWise"
  }
  lookup "contact_type" {
    path    = "/company/contacts/types"
    label   = "description"
    missing = "empty"
  }
  lookup "configuration_type" {
    path    = "/company/configurations/types"
    label   = "name"
    missing = "skip"
    reason  = "configuration type does not exist in ConnectWise"
  }
  # Configuration statuses carry their name in "description".
  lookup "configuration_status" {
    path    = "/company/configurations/statuses"
    label   = "description"
    missing = "skip"
    reason  = "configuration status does not exist in ConnectWise"
  }
  lookup "manufacturer" {
    path        = "/procurement/manufacturers"
    label       = "name"
    missing     = "create"
    create_body = { name = "${label}" }
  }
  lookup "member" {
    path    = "/system/members"
    label   = "identifier"
    missing = "empty"
  }
  lookup "board" {
    path    = "/service/boards"
    label   = "name"
    missing = "error"
  }
  lookup "ticket_status" {
    path        = "/service/boards/{parent}/statuses"
    label       = "name"
    parent      = "board"
    parent_path = "board.id"
    missing     = "error"
  }
  lookup "priority" {
    path    = "/service/priorities"
    label   = "name"
    missing = "error"
  }
  lookup "country" {
    path    = "/company/countries"
    label   = "name"
    missing = "empty"
  }
  lookup "state" {
    path    = "/company/states"
    label   = "name"
    missing = "empty"
  }
}
