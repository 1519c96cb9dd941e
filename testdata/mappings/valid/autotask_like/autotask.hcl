# An Autotask-shaped PSA: zone discovery, three static auth headers, POST
# queries with a JSON filter, paging by following nextPageUrl, creates that
# answer only an id, partial PATCH of the collection, and an "active" flag
# that stands in for a status.

variable "at_user" {
  env = "AT_USERNAME"
}
variable "at_secret" {
  env       = "AT_SECRET"
  sensitive = true
}
variable "at_integration_code" {
  env       = "AT_INTEGRATION_CODE"
  sensitive = true
}

canonical "organization" {
  field "name" {
    type = "string"
  }
  field "short_name" {
    type = "string"
  }
  field "status" {
    type = "string"
  }
}

canonical "location" {
  field "organization" {
    type = "ref"
    ref  = "organization"
  }
  field "name" {
    type = "string"
  }
  field "address_1" {
    type = "string"
  }
  field "primary" {
    type = "bool"
  }
}

canonical "configuration" {
  field "organization" {
    type = "ref"
    ref  = "organization"
  }
  field "name" {
    type = "string"
  }
  field "configuration_type" {
    type = "string"
  }
  field "installed_date" {
    type = "date"
  }
}

system "autotask" {
  role         = "psa"
  base_url     = "https://webservices.autotask.net/atservicesrest/v1.0"
  content_type = "application/json"
  filter       = "query_body"
  write        = "partial_patch"

  discovery {
    url           = "https://webservices.autotask.net/atservicesrest/v1.0/zoneInformation"
    query         = { user = var.at_user }
    base_url_path = "url"
    suffix        = "v1.0"
  }

  auth "header" {
    headers = {
      ApiIntegrationCode = var.at_integration_code
      UserName           = var.at_user
      Secret             = var.at_secret
    }
  }

  rate_limit {
    window_requests = 10000
    window_seconds  = 3600
    concurrency     = 3
  }

  paging "next_url" {
    next_url_path = "pageDetails.nextPageUrl"
    next_method   = "POST"
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
    list_body   = { filter = [{ op = "exist", field = "id" }], maxRecords = 500 }
    create_path = "/Companies"
    update_path = "/Companies"
    updated     = "lastActivityDate"
    created     = "createDate"

    field "name" {
      path               = "companyName"
      required_on_create = true
    }
    field "short_name" {
      path = "companyNumber"
    }
    field "status" {
      path           = "isActive"
      to_canonical   = "value == true ? 'Active' : 'Inactive'"
      from_canonical = "value == 'Active'"
    }
  }

  object "location" {
    list_path   = "/CompanyLocations/query"
    list_method = "POST"
    list_body   = { filter = [{ op = "gte", field = "id", value = 0 }] }
    create_path = "/Companies/{ref:organization}/Locations"
    update_path = "/Companies/{ref:organization}/Locations"

    field "organization" {
      path = "companyID"
    }
    field "name" {
      path = "name"
    }
    field "address_1" {
      path = "address1"
    }
    field "primary" {
      path = "isPrimary"
    }
  }

  object "configuration" {
    list_path   = "/ConfigurationItems/query"
    list_method = "POST"
    list_body   = { filter = [{ op = "exist", field = "id" }] }
    create_path = "/ConfigurationItems"
    update_path = "/ConfigurationItems"
    updated     = "lastModifiedTime"
    created     = "createDate"

    field "organization" {
      path = "companyID"
    }
    field "name" {
      path         = "referenceTitle"
      to_canonical = "coalesce(trim(value), trim(record.productName))"
    }
    field "configuration_type" {
      path       = "configurationItemTypeName"
      write_path = "configurationItemType"
      lookup     = "configuration_item_type"
    }
    field "installed_date" {
      path           = "installDate"
      to_canonical   = "date(value)"
      from_canonical = "datetime(value)"
    }
  }

  lookup "configuration_item_type" {
    path    = "/ConfigurationItemTypes/query?search={\"filter\":[{\"op\":\"exist\",\"field\":\"id\"}]}"
    label   = "name"
    missing = "skip"
  }
}

system "docs" {
  role     = "doc"
  base_url = "https://docs.example.test"
  filter   = "jsonapi"
  write    = "jsonapi"
  paging "page_number" {
    page_param = "page[number]"
    size_param = "page[size]"
    max_size   = 1000
  }

  object "organization" {
    list_path = "/organizations"
    resource_type = "organizations"
    field "name" {
      path = "attributes.name"
    }
    field "short_name" {
      path = "attributes.short-name"
    }
    field "status" {
      path = "attributes.organization-status-name"
    }
  }
  object "location" {
    list_path   = "/locations"
    resource_type = "locations"
    create_path = "/organizations/{ref:organization}/relationships/locations"
    field "organization" {
      path = "attributes.organization-id"
    }
    field "name" {
      path = "attributes.name"
    }
    field "address_1" {
      path = "attributes.address-1"
    }
    field "primary" {
      path = "attributes.primary"
    }
  }
  object "configuration" {
    list_path = "/configurations"
    resource_type = "configurations"
    field "organization" {
      path = "attributes.organization-id"
    }
    field "name" {
      path = "attributes.name"
    }
    field "configuration_type" {
      path = "attributes.configuration-type-name"
    }
    field "installed_date" {
      path = "attributes.installed-at"
    }
  }
}

sync "autotask_docs" {
  psa = system.autotask
  doc = system.docs
  settings {
    configuration_types = ["Server", "Workstation"]
  }

  object "organization" {
    scope        = "record.status == 'Active'"
    scope_reason = "inactive accounts are not synced"
    match {
      rule "name" {
        keys = ["name"]
      }
    }
  }
  object "location" {
    match {
      scope_by = "organization"
      rule "address" {
        keys = ["address_1"]
      }
    }
  }
  object "configuration" {
    scope        = "record.configuration_type in settings.configuration_types"
    scope_reason = "configuration item type is not synced"
    match {
      scope_by = "organization"
      rule "type_and_name" {
        keys = ["configuration_type", "name"]
      }
    }
  }
}
