# IT Glue: the documentation platform, a JSON:API service.
#
# Records: {"id": "123", "type": "configurations", "attributes": {...}}.
# Responses name attributes in kebab-case ("organization-id"), so every path
# below is attributes.<kebab-name>; ids are strings at "id". Writes send
# {"data": {"type": ..., "attributes": {...}}} (write = "jsonapi"). Records
# that IT Glue's own PSA integration owns answer 422 to most writes.

variable "itglue_base_url" {
  env         = "ITGLUE_BASE_URL"
  default     = "https://api.itglue.com"
  description = "IT Glue API root (api.eu.itglue.com and api.au.itglue.com for the other regions)."
}

variable "itglue_api_key" {
  env         = "ITGLUE_API_KEY"
  sensitive   = true
  description = "IT Glue API key (Account > Settings > API Keys)."
}

system "itglue" {
  title        = "IT Glue"
  role         = "doc"
  base_url     = var.itglue_base_url
  content_type = "application/vnd.api+json"
  time_format  = "2006-01-02T15:04:05.000Z"
  filter       = "jsonapi"
  write        = "jsonapi"

  auth "header" {
    headers = { "x-api-key" = var.itglue_api_key }
  }

  # 3000 requests per 5 minutes; more are answered with 429.
  rate_limit {
    window_requests = 3000
    window_seconds  = 300
    concurrency     = 4
  }

  retry {
    max_attempts    = 8
    initial_backoff = 1
    max_backoff     = 60
  }

  paging "page_number" {
    page_param  = "page[number]"
    size_param  = "page[size]"
    max_size    = 1000
    stop        = "total_pages"
    total_pages = "meta.total-pages"
    total_count = "meta.total-count"
  }

  envelope {
    items         = "data"
    item          = "data"
    error_message = ["errors.0.detail", "errors.0.title"]
  }

  # Only organizations can be filtered on updated_at; the other resources are
  # read newest first and the scan stops at the last run's watermark.
  changed_since "sort_desc" {
    sort_param = "sort"
    sort_value = "-updated_at"
  }

  object "organization" {
    resource_type = "organizations"
    list_path     = "/organizations"
    id            = "id"
    updated       = "attributes.updated-at"
    created       = "attributes.created-at"

    # "start, end" in UTC. IT Glue may refuse ranges longer than a week, so
    # the connector reads the changes since the cursor in windows of at most
    # max_window seconds, each closed by ${until}.
    changed_since "filter" {
      param      = "filter[updated_at]"
      template   = "${cursor}, ${until}"
      max_window = 604800
    }

    bulk {
      update {
        path   = "/organizations"
        method = "PATCH"
        max    = 100
        wrap   = "jsonapi_array"
      }
    }

    field "name" {
      path               = "attributes.name"
      required_on_create = true
    }
    field "short_name" {
      path = "attributes.short-name"
    }
    field "type" {
      path       = "attributes.organization-type-name"
      write_path = "attributes.organization-type-id"
      lookup     = "organization_type"
    }
    field "status" {
      path       = "attributes.organization-status-name"
      write_path = "attributes.organization-status-id"
      lookup     = "organization_status"
    }
    field "parent" {
      path = "attributes.parent-id"
    }
    # IT Glue has no primary-location attribute on organizations: the primary
    # location is the organization's location whose "primary" flag is set.
    field "primary_location" {
      flag = "attributes.primary"
    }
    # IT Glue shows the PSA's own fields of a PSA-synced record (company
    # custom fields, configuration questions) read-only beside the record's
    # own attributes. The sandbox models that overlay as the attribute
    # psa-custom-fields, a list of {name, value} that the syncing API client
    # writes.
    field "psa_custom_fields" {
      path = "attributes.psa-custom-fields"
    }
  }

  object "location" {
    resource_type = "locations"
    list_path     = "/locations"
    create_path   = "/organizations/{ref:organization}/relationships/locations"
    updated       = "attributes.updated-at"
    created       = "attributes.created-at"

    field "organization" {
      path               = "attributes.organization-id"
      required_on_create = true
    }
    field "name" {
      path               = "attributes.name"
      required_on_create = true
    }
    field "address_1" {
      path = "attributes.address-1"
    }
    field "address_2" {
      path = "attributes.address-2"
    }
    field "city" {
      path = "attributes.city"
    }
    field "state" {
      path       = "attributes.region-name"
      write_path = "attributes.region-id"
      lookup     = "region"
    }
    field "postal_code" {
      path = "attributes.postal-code"
    }
    field "country" {
      path       = "attributes.country-name"
      write_path = "attributes.country-id"
      lookup     = "country"
    }
    field "phone" {
      path = "attributes.phone"
    }
    field "fax" {
      path = "attributes.fax"
    }
  }

  object "contact" {
    resource_type = "contacts"
    list_path     = "/contacts"
    create_path   = "/organizations/{ref:organization}/relationships/contacts"
    updated       = "attributes.updated-at"
    created       = "attributes.created-at"

    field "organization" {
      path               = "attributes.organization-id"
      required_on_create = true
    }
    field "first_name" {
      path               = "attributes.first-name"
      required_on_create = true
    }
    field "last_name" {
      path = "attributes.last-name"
    }
    field "title" {
      path = "attributes.title"
    }
    field "type" {
      path       = "attributes.contact-type-name"
      write_path = "attributes.contact-type-id"
      lookup     = "contact_type"
    }
    field "location" {
      path = "attributes.location-id"
    }
    field "emails" {
      path           = "attributes.contact-emails"
      to_canonical   = "map(value ?? [], ({'value': #.value, 'type': #['label-name'], 'primary': #.primary == true}))"
      from_canonical = "map(value ?? [], ({'value': #.value, 'label-name': #.type ?? 'Work', 'primary': #.primary == true}))"
    }
    field "phones" {
      path           = "attributes.contact-phones"
      to_canonical   = "map(value ?? [], ({'value': #.value, 'type': #['label-name'], 'extension': #.extension, 'primary': #.primary == true}))"
      from_canonical = "map(value ?? [], ({'value': #.value, 'label-name': #.type ?? 'Work', 'extension': #.extension, 'primary': #.primary == true}))"
    }
    field "important" {
      path = "attributes.important"
    }
    field "notes" {
      path = "attributes.notes"
    }
  }

  object "configuration" {
    resource_type = "configurations"
    list_path     = "/configurations"
    create_path   = "/organizations/{ref:organization}/relationships/configurations"
    updated       = "attributes.updated-at"
    created       = "attributes.created-at"

    # Bulk create takes a data array on the nested route only; bulk update
    # PATCHes the collection with [{type, attributes: {id, ...}}].
    bulk {
      create {
        path   = "/organizations/{ref:organization}/relationships/configurations"
        method = "POST"
        max    = 100
        wrap   = "jsonapi_array"
      }
      update {
        path   = "/configurations"
        method = "PATCH"
        max    = 100
        wrap   = "jsonapi_array"
      }
    }

    field "organization" {
      path               = "attributes.organization-id"
      required_on_create = true
    }
    field "name" {
      path               = "attributes.name"
      required_on_create = true
    }
    field "configuration_type" {
      path               = "attributes.configuration-type-name"
      write_path         = "attributes.configuration-type-id"
      lookup             = "configuration_type"
      required_on_create = true
    }
    field "configuration_status" {
      path       = "attributes.configuration-status-name"
      write_path = "attributes.configuration-status-id"
      lookup     = "configuration_status"
    }
    field "asset_tag" {
      path = "attributes.asset-tag"
    }
    field "serial_number" {
      path = "attributes.serial-number"
    }
    field "primary_mac" {
      path = "attributes.mac-address"
    }
    field "primary_ip" {
      path = "attributes.primary-ip"
    }
    field "default_gateway" {
      path = "attributes.default-gateway"
    }
    field "hostname" {
      path = "attributes.hostname"
    }
    field "manufacturer" {
      path       = "attributes.manufacturer-name"
      write_path = "attributes.manufacturer-id"
      lookup     = "manufacturer"
    }
    field "model" {
      path       = "attributes.model-name"
      write_path = "attributes.model-id"
      lookup     = "model"
    }
    field "operating_system" {
      path       = "attributes.operating-system-name"
      write_path = "attributes.operating-system-id"
      lookup     = "operating_system"
    }
    field "position" {
      path = "attributes.position"
    }
    field "installed_date" {
      path         = "attributes.installed-at"
      to_canonical = "date(value)"
    }
    field "installed_by" {
      path = "attributes.installed-by"
    }
    field "purchased_date" {
      path         = "attributes.purchased-at"
      to_canonical = "date(value)"
    }
    field "warranty_expires" {
      path         = "attributes.warranty-expires-at"
      to_canonical = "date(value)"
    }
    field "location" {
      path = "attributes.location-id"
    }
    field "contact" {
      path = "attributes.contact-id"
    }
    field "notes" {
      path = "attributes.notes"
    }
    # IT Glue shows the PSA's own fields of a PSA-synced record (company
    # custom fields, configuration questions) read-only beside the record's
    # own attributes. The sandbox models that overlay as the attribute
    # psa-custom-fields, a list of {name, value} that the syncing API client
    # writes.
    field "psa_custom_fields" {
      path = "attributes.psa-custom-fields"
    }
  }

  # ASSUMPTION: IT Glue's public API documents no ticket resource. The tickets
  # IT Glue shows come from its own PSA integration. This object declares a
  # /tickets collection in the same JSON:API shape as the documented
  # resources; the IT Glue sandbox serves it. Against the real service this
  # object has nowhere to go until IT Glue publishes such a resource.
  object "ticket" {
    resource_type = "tickets"
    list_path     = "/tickets"
    create_path   = "/organizations/{ref:organization}/relationships/tickets"
    updated       = "attributes.updated-at"
    created       = "attributes.created-at"

    field "organization" {
      path               = "attributes.organization-id"
      required_on_create = true
    }
    field "number" {
      path               = "attributes.number"
      required_on_create = true
    }
    field "summary" {
      path = "attributes.summary"
    }
    field "board" {
      path = "attributes.board"
    }
    field "status" {
      path = "attributes.status"
    }
    field "priority" {
      path = "attributes.priority"
    }
    field "contact" {
      path = "attributes.contact-id"
    }
    field "configurations" {
      path = "attributes.configuration-ids"
    }
    field "created_at" {
      path = "attributes.psa-created-at"
    }
    field "updated_at" {
      path = "attributes.psa-updated-at"
    }
  }

  # Reference data. Types and statuses missing in IT Glue are created, as
  # are manufacturers and models; operating systems, countries and regions
  # are fixed lists (free text is not accepted), so an unknown value leaves
  # the field empty.
  lookup "organization_type" {
    path        = "/organization_types"
    label       = "attributes.name"
    missing     = "create"
    create_body = { data = { type = "organization-types", attributes = { name = "${label}" } } }
  }
  lookup "organization_status" {
    path        = "/organization_statuses"
    label       = "attributes.name"
    missing     = "create"
    create_body = { data = { type = "organization-statuses", attributes = { name = "${label}" } } }
  }
  lookup "configuration_type" {
    path        = "/configuration_types"
    label       = "attributes.name"
    missing     = "create"
    create_body = { data = { type = "configuration-types", attributes = { name = "${label}" } } }
  }
  lookup "configuration_status" {
    path        = "/configuration_statuses"
    label       = "attributes.name"
    missing     = "create"
    create_body = { data = { type = "configuration-statuses", attributes = { name = "${label}" } } }
  }
  lookup "contact_type" {
    path        = "/contact_types"
    label       = "attributes.name"
    missing     = "create"
    create_body = { data = { type = "contact-types", attributes = { name = "${label}" } } }
  }
  lookup "manufacturer" {
    path        = "/manufacturers"
    label       = "attributes.name"
    missing     = "create"
    create_body = { data = { type = "manufacturers", attributes = { name = "${label}" } } }
  }
  # Models belong to a manufacturer: resolved (and created) under the
  # manufacturer of the same record.
  lookup "model" {
    path        = "/models"
    label       = "attributes.name"
    parent      = "manufacturer"
    parent_path = "attributes.manufacturer-id"
    missing     = "create"
    create_path = "/manufacturers/{parent}/relationships/models"
    create_body = { data = { type = "models", attributes = { name = "${label}", manufacturer-id = "${parent}" } } }
  }
  lookup "operating_system" {
    path    = "/operating_systems"
    label   = "attributes.name"
    missing = "empty"
  }
  lookup "country" {
    path    = "/countries"
    label   = "attributes.name"
    missing = "empty"
  }
  lookup "region" {
    path        = "/regions"
    label       = "attributes.name"
    parent      = "country"
    parent_path = "attributes.country-id"
    missing     = "empty"
  }
}
