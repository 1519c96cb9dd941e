# A PSA whose objects do not share one protocol: contacts answer in their
# own envelope (failures with HTTP 200 and a status in the body), are
# created as a one-element array and updated by POST to the collection (an
# upsert: the id in the body decides); sites keep the system's envelope
# and write style. It authenticates with OAuth2 client credentials. A
# second system logs in at a token service apart from its API, with a
# refresh token, after a zone lookup.

variable "psa_client_id" {
  env = "PSA_CLIENT_ID"
}
variable "psa_client_secret" {
  env       = "PSA_CLIENT_SECRET"
  sensitive = true
}
variable "idp_url" {
  env     = "IDP_URL"
  default = "https://login.example.test"
}
variable "crm_password" {
  env       = "CRM_PASSWORD"
  sensitive = true
}

canonical "organization" {
  field "name" {
    type = "string"
  }
}

canonical "contact" {
  field "organization" {
    type = "ref"
    ref  = "organization"
  }
  field "name" {
    type = "string"
  }
  field "kind" {
    type = "string"
  }
}

system "psa" {
  role     = "psa"
  base_url = "https://psa.example.test/api"
  filter   = "none"
  write    = "partial_patch"

  auth "oauth2" {
    token_url     = "${var.idp_url}/connect/token"
    client_id     = var.psa_client_id
    client_secret = var.psa_client_secret
    scopes        = ["psa.read", "psa.write"]
    params        = { audience = "psa" }
    credentials   = "basic"
  }

  paging "body" {
    page_param  = "PageNumber"
    size_param  = "PageSize"
    max_size    = 100
    total_count = "TotalRecords"
  }

  envelope {
    items = "items"
    item  = "item"
  }

  object "organization" {
    list_path   = "/sites/search"
    update_path = "/sites"

    field "name" {
      path = "name"
    }
  }

  object "contact" {
    list_path = "/contacts"
    item_path = "/contacts/{id}"

    paging "page_number" {
      page_param  = "page"
      size_param  = "per"
      max_size    = 50
      total_count = "Result.Count"
    }
    rate_limit {
      concurrency     = 3
      window_requests = 1500
      window_seconds  = 3600
    }

    envelope {
      items         = "Result.Rows"
      item          = "Result"
      success       = "Success"
      status        = "StatusCode"
      error_message = ["Error.Message"]
    }
    create {
      path = "/contacts"
      body = "array"
    }
    update {
      method = "POST"
      path   = "/contacts"
      body   = "array"
      reread = true
    }

    field "organization" {
      path = "siteId"
    }
    field "name" {
      path = "name"
    }
    field "kind" {
      path       = "type.name"
      write_path = "type.id"
      lookup     = "contact_type"
    }
  }

  lookup "contact_type" {
    path    = "/contacts/types"
    label   = "label"
    missing = "empty"

    envelope {
      items = "values"
    }
    paging "none" {}
  }
}

system "crm" {
  role     = "psa"
  filter   = "none"
  base_url = "https://unused.example.test"

  discovery {
    url           = "https://zones.example.test/zone"
    base_url_path = "url"
  }

  auth "token" {
    url          = "${var.idp_url}/oauth/token"
    encoding     = "form"
    fields       = { grant_type = "password", username = "sync", password = var.crm_password }
    token_path   = "access_token"
    expires_path = "expires_in"

    refresh {
      token_path = "refresh_token"
      fields     = { grant_type = "refresh_token", refresh_token = "${refresh_token}" }
    }
  }

  paging "none" {}

  object "organization" {
    list_path = "/accounts"

    update {
      method = "PUT"
      body   = "object:account"
      item   = "account"
    }

    field "name" {
      path = "name"
    }
  }
}
