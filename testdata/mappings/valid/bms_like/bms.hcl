# A Kaseya BMS / Pulseway PSA-shaped PSA: log in for a bearer token, POST
# /search with the page in the body, a {Success, Result, Error} envelope
# where HTTP 200 may still be a failure, JSON Patch updates.

variable "bms_user" {
  env = "BMS_USERNAME"
}
variable "bms_password" {
  env       = "BMS_PASSWORD"
  sensitive = true
}
variable "bms_tenant" {
  env = "BMS_TENANT"
}

canonical "organization" {
  field "name" {
    type = "string"
  }
  field "short_name" {
    type = "string"
  }
}

canonical "contact" {
  field "organization" {
    type = "ref"
    ref  = "organization"
  }
  field "first_name" {
    type = "string"
  }
  field "last_name" {
    type = "string"
  }
  field "important" {
    type = "bool"
  }
  field "emails" {
    type = "json"
  }
}

system "bms" {
  role     = "psa"
  base_url = "https://api.bms.kaseya.com/v2"
  filter   = "query"
  write    = "json_patch"

  auth "token" {
    path         = "/security/authenticate"
    encoding     = "multipart"
    fields       = { GrantType = "password", UserName = var.bms_user, Password = var.bms_password, Tenant = var.bms_tenant }
    token_path   = "Result.access_token"
    expires_path = "Result.expires_in"
  }

  rate_limit {
    window_requests = 1500
    window_seconds  = 3600
  }

  paging "body" {
    page_param  = "PageNumber"
    size_param  = "PageSize"
    max_size    = 100
    stop        = "total_pages"
    total_pages = "TotalPages"
    total_count = "TotalRecords"
  }

  envelope {
    items         = "Result"
    item          = "Result"
    success       = "Success"
    error_message = ["Error.Message", "Error.Details"]
  }

  changed_since "filter" {
    param    = "Filter.ModifiedOnFrom"
    template = "${cursor}"
  }

  object "organization" {
    list_path   = "/crm/accounts/search"
    list_method = "POST"
    list_body   = { Sort = "Id" }
    item_path   = "/crm/accounts/{id}"
    create_path = "/crm/accounts"
    id          = "Id"
    updated     = "ModifiedOn"
    created     = "CreatedOn"

    field "name" {
      path               = "AccountName"
      required_on_create = true
    }
    field "short_name" {
      path = "AccountCode"
    }
  }

  object "contact" {
    list_path   = "/crm/contacts/search"
    list_method = "POST"
    list_body   = { Sort = "Id" }
    item_path   = "/crm/contacts/{id}"
    create_path = "/crm/contacts"
    id          = "Id"

    field "organization" {
      path = "AccountId"
    }
    field "first_name" {
      path = "FirstName"
    }
    field "last_name" {
      path = "LastName"
    }
    field "important" {
      path = "PointOfContact"
    }
    field "emails" {
      path           = "Emails"
      to_canonical   = "map(value ?? [], ({'value': #.Email, 'type': #.Type, 'primary': #.IsPrimary == true}))"
      from_canonical = "map(value ?? [], ({'Email': #.value, 'Type': #.type ?? 'Work', 'IsPrimary': #.primary == true}))"
    }
  }
}

system "docs" {
  role     = "doc"
  base_url = "https://docs.example.test"
  filter   = "jsonapi"
  write    = "jsonapi"
  paging "none" {}

  object "organization" {
    list_path = "/organizations"
    resource_type = "organizations"
    field "name" {
      path = "attributes.name"
    }
    field "short_name" {
      path = "attributes.short-name"
    }
  }
  object "contact" {
    list_path = "/contacts"
    resource_type = "contacts"
    field "organization" {
      path = "attributes.organization-id"
    }
    field "first_name" {
      path = "attributes.first-name"
    }
    field "last_name" {
      path = "attributes.last-name"
    }
    field "important" {
      path = "attributes.important"
    }
    field "emails" {
      path = "attributes.contact-emails"
    }
  }
}

sync "bms_docs" {
  psa = system.bms
  doc = system.docs

  object "organization" {
    match {
      rule "name" {
        keys = ["name"]
      }
    }
  }
  object "contact" {
    field "important" {
      label = "Important Contact"
    }
    match {
      scope_by = "organization"
      rule "name" {
        keys = ["first_name", "last_name"]
      }
    }
  }
}
