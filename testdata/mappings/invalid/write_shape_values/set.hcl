# Write shapes and logins that cannot be decoded: a misspelt body shape, a
# method no write uses, an id path on an update, {id} in a create route,
# a token login with both path and url, a refresh without token_path, an
# unknown place for OAuth2 client credentials, reject_on statuses
# that are not 5xx or also retried.

variable "secret" {
  env       = "SECRET"
  sensitive = true
}

canonical "contact" {
  field "name" {
    type = "string"
  }
}

system "psa" {
  role     = "psa"
  base_url = "https://psa.example.test/api"
  write    = "json_patch"

  auth "token" {
    path       = "/login"
    url        = "https://login.example.test/token"
    fields     = { password = var.secret }
    token_path = "token"

    refresh {
      fields = { refresh_token = "${refresh_token}" }
    }
  }

  retry {
    retry_on  = [409]
    reject_on = [422, 409]
  }

  paging "none" {}

  object "contact" {
    list_path = "/contacts"

    create {
      method = "DELETE"
      path   = "/contacts/{id}"
      body   = "arary"
    }
    update {
      body = "partial"
      id   = "itemId"
    }

    field "name" {
      path = "name"
    }
  }
}

system "docs" {
  role     = "doc"
  base_url = "https://docs.example.test"
  write    = "json_patch"

  auth "oauth2" {
    token_url     = "https://login.example.test/token"
    client_id     = "docs"
    client_secret = var.secret
    credentials   = "header"
  }

  paging "none" {}

  object "contact" {
    list_path = "/contacts"
    field "name" {
      path = "name"
    }
  }
}
