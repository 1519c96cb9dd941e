# Autotask PSA, REST API v1.0.
#
# The API's zone is looked up first (zoneInformation, by user name); every
# call then carries three headers. Lists are POST /{Entity}/query with a
# JSON filter, 500 records a page, the next page at pageDetails.nextPageUrl.
# Creates answer {"itemId"}; updates PATCH the collection with the id and
# the changed fields only. Picklists (company type, configuration item
# type, ticket status, priority, queue) are read from
# /{Entity}/entityInformation/fields. User-defined fields are read only.
# Autotask keeps no location records of its own that IT Glue syncs with:
# locations are derived from the company's address block.

variable "at_zone_lookup_url" {
  env         = "AT_ZONE_LOOKUP_URL"
  default     = "https://webservices.autotask.net/atservicesrest"
  description = "Where the zone of the API user is looked up (zoneInformation answers the zone's base URL)."
}

variable "at_username" {
  env         = "AT_USERNAME"
  description = "API user (an API-only resource) sent as UserName; also selects the zone."
}

variable "at_secret" {
  env         = "AT_SECRET"
  sensitive   = true
  description = "API user's secret, sent as Secret."
}

variable "at_integration_code" {
  env         = "AT_INTEGRATION_CODE"
  sensitive   = true
  description = "Tracking identifier of the integration, sent as ApiIntegrationCode."
}

system "autotask" {
  title        = "Autotask PSA"
  role         = "psa"
  base_url     = "${var.at_zone_lookup_url}/v1.0"
  content_type = "application/json"
  time_format  = "2006-01-02T15:04:05.000Z"
  filter       = "query_body"
  write        = "partial_patch"

  discovery {
    url           = "${var.at_zone_lookup_url}/v1.0/zoneInformation"
    query         = { user = var.at_username }
    base_url_path = "url"
    suffix        = "v1.0"
  }

  auth "header" {
    headers = {
      ApiIntegrationCode = var.at_integration_code
      UserName           = var.at_username
      Secret             = var.at_secret
    }
  }

  # 10,000 requests per rolling hour for the whole database (every
  # integration together); three threads per object endpoint.
  rate_limit {
    window_requests = 10000
    window_seconds  = 3600
    concurrency     = 3
  }

  # A refused write is HTTP 500 with {"errors": [...]}.
  retry {
    max_attempts    = 6
    initial_backoff = 1
    max_backoff     = 60
    reject_on       = [500]
  }

  paging "next_url" {
    next_url_path = "pageDetails.nextPageUrl"
    next_method   = "POST"
    size_param    = "maxRecords"
    max_size      = 500
  }

  envelope {
    items         = "items"
    item          = "item"
    created_id    = "itemId"
    error_message = ["errors.0"]
  }

  object "organization" {
    list_path   = "/Companies/query"
    list_method = "POST"
    list_body   = { filter = [{ op = "exist", field = "id" }] }
    item_path   = "/Companies/{id}"
    create_path = "/Companies"
    update_path = "/Companies"
    updated     = "lastActivityDate"
    created     = "createDate"

    changed_since "filter" {
      param    = "filter"
      template = "{\"op\":\"gt\",\"field\":\"lastActivityDate\",\"value\":\"${cursor}\"}"
      format   = "2006-01-02T15:04:05.000Z"
    }

    field "name" {
      path               = "companyName"
      required_on_create = true
    }
    field "short_name" {
      path = "companyNumber"
    }
    field "type" {
      path               = "companyType"
      lookup             = "company_type"
      lookup_label       = "label"
      required_on_create = true
    }
    # Active is a boolean; IT Glue holds a status.
    field "status" {
      path           = "isActive"
      to_canonical   = "value == true ? 'Active' : 'Inactive'"
      from_canonical = "value == 'Active'"
    }
    field "parent" {
      path = "parentCompanyID"
    }
    # The primary location is the location derived from the company's
    # address (same id expression as the location's derive block).
    field "primary_location" {
      path         = "address1"
      access       = "read"
      to_canonical = "trim(record.address1 ?? '') == '' ? nil : string(record.id) + '|' + lower(trim(record.address1 ?? '')) + '|' + lower(trim(record.address2 ?? '')) + '|' + lower(trim(record.city ?? '')) + '|' + lower(trim(record.postalCode ?? ''))"
    }
    # A company cannot be created without a phone number and an owner
    # resource (a non-API user); see the sync's create_in_psa.
    field "phone" {
      path               = "phone"
      required_on_create = true
    }
    field "fax" {
      path = "fax"
    }
    field "website" {
      path = "webAddress"
    }
    # User-defined fields ({name, value}) are carried to the documentation
    # side read-only; unanswered ones are left out.
    field "psa_custom_fields" {
      path         = "userDefinedFields"
      access       = "read"
      to_canonical = "map(filter(value ?? [], #.value != nil && #.value != ''), ({'name': #.name, 'value': #.value}))"
    }
  }

  # One location per company address: primary, its id built from the
  # company and the address tuple, so that an address change makes a new
  # location (the old one is no longer derived). Contacts' own addresses
  # make no locations.
  object "location" {
    derive {
      from = "organization"
      each = "trim(record.address1 ?? '') == '' ? [] : [{'companyID': record.id, 'address1': trim(record.address1), 'address2': record.address2, 'city': record.city, 'state': record.state, 'postalCode': record.postalCode, 'countryID': record.countryID, 'phone': record.phone, 'fax': record.fax}]"
      id   = "string(record.id) + '|' + lower(trim(record.address1 ?? '')) + '|' + lower(trim(record.address2 ?? '')) + '|' + lower(trim(record.city ?? '')) + '|' + lower(trim(record.postalCode ?? ''))"
    }

    field "organization" {
      path = "companyID"
    }
    field "name" {
      path = "address1"
    }
    field "address_1" {
      path = "address1"
    }
    field "address_2" {
      path = "address2"
    }
    field "city" {
      path = "city"
    }
    field "state" {
      path = "state"
    }
    field "postal_code" {
      path = "postalCode"
    }
    field "country" {
      path         = "countryID"
      lookup       = "country"
      lookup_label = "label"
    }
    field "phone" {
      path = "phone"
    }
    field "fax" {
      path = "fax"
    }
    field "primary" {
      path         = "companyID"
      to_canonical = "true"
    }
  }

  # Contacts are created and updated under their company, and never move
  # to another company.
  object "contact" {
    list_path   = "/Contacts/query"
    list_method = "POST"
    list_body   = { filter = [{ op = "exist", field = "id" }] }
    item_path   = "/Contacts/{id}"
    create_path = "/Companies/{ref:organization}/Contacts"
    update_path = "/Companies/{ref:organization}/Contacts"
    updated     = "lastActivityDate"
    created     = "createDate"

    changed_since "filter" {
      param    = "filter"
      template = "{\"op\":\"gt\",\"field\":\"lastActivityDate\",\"value\":\"${cursor}\"}"
      format   = "2006-01-02T15:04:05.000Z"
    }

    # isActive is required on create; IT Glue holds no such flag, so a
    # contact created from IT Glue is active.
    create {
      defaults = { isActive = 1 }
    }

    field "organization" {
      path               = "companyID"
      required_on_create = true
      create_only        = true
    }
    field "first_name" {
      path               = "firstName"
      required_on_create = true
    }
    field "last_name" {
      path               = "lastName"
      required_on_create = true
    }
    field "title" {
      path = "title"
    }
    # Work email: emailAddress.
    field "emails" {
      path           = "emailAddress"
      to_canonical   = "trim(value ?? '') == '' ? [] : [{'value': trim(value), 'type': 'Work', 'primary': true}]"
      from_canonical = "len(value ?? []) == 0 ? nil : (len(filter(value, #.primary == true)) > 0 ? filter(value, #.primary == true)[0].value : value[0].value)"
    }
    # Work phone (with its extension), mobile, alternate and fax numbers
    # are four fields: read into one list.
    field "phones" {
      path         = ""
      access       = "read"
      to_canonical = <<EOT
filter([
  {'type': 'Work', 'value': trim(record.phone ?? ''), 'extension': record.extension, 'primary': true},
  {'type': 'Mobile', 'value': trim(record.mobilePhone ?? ''), 'extension': nil, 'primary': false},
  {'type': 'Alternate', 'value': trim(record.alternatePhone ?? ''), 'extension': nil, 'primary': false},
  {'type': 'Fax', 'value': trim(record.faxNumber ?? ''), 'extension': nil, 'primary': false}
], #.value != '')
EOT
    }
    field "active" {
      path           = "isActive"
      to_canonical   = "value == 1"
      from_canonical = "value == false ? 0 : 1"
    }
  }

  object "configuration" {
    list_path   = "/ConfigurationItems/query"
    list_method = "POST"
    list_body   = { filter = [{ op = "exist", field = "id" }] }
    item_path   = "/ConfigurationItems/{id}"
    create_path = "/ConfigurationItems"
    update_path = "/ConfigurationItems"
    updated     = "lastModifiedTime"
    created     = "createDate"

    changed_since "filter" {
      param    = "filter"
      template = "{\"op\":\"gt\",\"field\":\"lastModifiedTime\",\"value\":\"${cursor}\"}"
      format   = "2006-01-02T15:04:05.000Z"
    }

    field "organization" {
      path               = "companyID"
      required_on_create = true
    }
    # The reference title when there is one, else the product's name. With
    # neither, the name is unknown, not empty: reject() keeps the
    # documentation side's name instead of blanking it.
    field "name" {
      path               = "referenceTitle"
      to_canonical       = "trim(value ?? '') != '' ? value : (related('product', record.productID)?.name ?? reject('no reference title, and its product is not found'))"
      required_on_create = true
    }
    field "asset_tag" {
      path = "referenceNumber"
    }
    field "contact" {
      path = "contactID"
    }
    field "configuration_status" {
      path               = "isActive"
      to_canonical       = "value == true ? 'Active' : 'Inactive'"
      from_canonical     = "value == 'Active'"
      required_on_create = true
    }
    field "configuration_type" {
      path               = "configurationItemType"
      lookup             = "configuration_item_type"
      lookup_label       = "label"
      required_on_create = true
    }
    field "installed_date" {
      path           = "installDate"
      to_canonical   = "date(value)"
      from_canonical = "datetime(value)"
    }
    field "installed_by" {
      path         = "installedByID"
      lookup       = "resource"
      lookup_label = "userName"
    }
    # Manufacturer and model are the product's: writing them sends the id
    # of the product of this manufacturer and model. Both are needed to
    # create a configuration item.
    field "manufacturer" {
      path               = "productID"
      lookup             = "product"
      lookup_label       = "manufacturerName"
      required_on_create = true
    }
    field "model" {
      path               = "productID"
      lookup             = "product"
      lookup_label       = "manufacturerProductName"
      required_on_create = true
    }
    field "notes" {
      path = "notes"
    }
    field "serial_number" {
      path = "serialNumber"
    }
    field "warranty_expires" {
      path           = "warrantyExpirationDate"
      to_canonical   = "date(value)"
      from_canonical = "datetime(value)"
    }
    # The MAC address an RMM audit reported (read-only): it narrows
    # matches. Anything but one MAC address is not synced.
    field "primary_mac" {
      path         = "rmmDeviceAuditMacAddress"
      access       = "read"
      to_canonical = "trim(value ?? '') == '' ? nil : (len(value) > 17 || !is_mac(value) ? reject('MAC address field holds more than one MAC address or is not a MAC address') : mac(value))"
    }
    field "psa_custom_fields" {
      path         = "userDefinedFields"
      access       = "read"
      to_canonical = "map(filter(value ?? [], #.value != nil && #.value != ''), ({'name': #.name, 'value': #.value}))"
    }
  }

  object "ticket" {
    list_path   = "/Tickets/query"
    list_method = "POST"
    list_body   = { filter = [{ op = "exist", field = "id" }] }
    item_path   = "/Tickets/{id}"
    write       = "none"
    updated     = "lastActivityDate"
    created     = "createDate"

    changed_since "filter" {
      param    = "filter"
      template = "{\"op\":\"gt\",\"field\":\"lastActivityDate\",\"value\":\"${cursor}\"}"
      format   = "2006-01-02T15:04:05.000Z"
    }

    field "organization" {
      path = "companyID"
    }
    field "number" {
      path   = "ticketNumber"
      access = "read"
    }
    field "summary" {
      path = "title"
    }
    field "board" {
      path         = "queueID"
      lookup       = "queue"
      lookup_label = "label"
    }
    field "status" {
      path         = "status"
      lookup       = "ticket_status"
      lookup_label = "label"
    }
    field "priority" {
      path         = "priority"
      lookup       = "ticket_priority"
      lookup_label = "label"
    }
    field "contact" {
      path = "contactID"
    }
    field "configurations" {
      path         = "configurationItemID"
      access       = "read"
      to_canonical = "value == nil ? [] : [string(value)]"
    }
    field "created_at" {
      path   = "createDate"
      access = "read"
    }
    field "updated_at" {
      path   = "lastActivityDate"
      access = "read"
    }
  }

  # Picklists: the values of one field of the entity's field metadata,
  # {value, label, ...}.
  lookup "company_type" {
    path    = "/Companies/entityInformation/fields"
    id      = "value"
    label   = "label"
    missing = "skip"
    reason  = "company type does not exist in Autotask"
    envelope {
      items = "fields.name=companyType.picklistValues"
    }
    paging "none" {}
  }
  lookup "country" {
    path    = "/Companies/entityInformation/fields"
    id      = "value"
    label   = "label"
    missing = "empty"
    envelope {
      items = "fields.name=countryID.picklistValues"
    }
    paging "none" {}
  }
  lookup "configuration_item_type" {
    path    = "/ConfigurationItems/entityInformation/fields"
    id      = "value"
    label   = "label"
    missing = "skip"
    reason  = "configuration item type does not exist in Autotask"
    envelope {
      items = "fields.name=configurationItemType.picklistValues"
    }
    paging "none" {}
  }
  lookup "queue" {
    path    = "/Tickets/entityInformation/fields"
    id      = "value"
    label   = "label"
    missing = "empty"
    envelope {
      items = "fields.name=queueID.picklistValues"
    }
    paging "none" {}
  }
  lookup "ticket_status" {
    path    = "/Tickets/entityInformation/fields"
    id      = "value"
    label   = "label"
    missing = "empty"
    envelope {
      items = "fields.name=status.picklistValues"
    }
    paging "none" {}
  }
  lookup "ticket_priority" {
    path    = "/Tickets/entityInformation/fields"
    id      = "value"
    label   = "label"
    missing = "empty"
    envelope {
      items = "fields.name=priority.picklistValues"
    }
    paging "none" {}
  }
  # Products carry the manufacturer and model of configuration items.
  lookup "product" {
    path    = "/Products/query?search={\"filter\":[{\"op\":\"exist\",\"field\":\"id\"}]}"
    label   = "name"
    missing = "skip"
    reason  = "no Autotask product of this manufacturer and model"
    paging "next_url" {
      next_url_path = "pageDetails.nextPageUrl"
      next_method   = "GET"
      max_size      = 500
    }
  }
  lookup "resource" {
    path    = "/Resources/query?search={\"filter\":[{\"op\":\"exist\",\"field\":\"id\"}]}"
    label   = "userName"
    missing = "empty"
    paging "next_url" {
      next_url_path = "pageDetails.nextPageUrl"
      next_method   = "GET"
      max_size      = 500
    }
  }
}
