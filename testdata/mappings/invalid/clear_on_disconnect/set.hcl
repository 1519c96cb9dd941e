# clear_on_disconnect on a field that flows to the PSA (two_way):
# match.NewObject refuses it.

canonical "organization" {
  field "name" {
    type = "string"
  }
  field "extras" {
    type = "json"
  }
}

system "psa" {
  role     = "psa"
  base_url = "https://psa.example.test/api"
  filter   = "query"
  write    = "put"
  paging "none" {}

  object "organization" {
    list_path = "/companies"
    field "extras" {
      path = "extras"
    }
    field "name" {
      path = "name"
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
    list_path     = "/organizations"
    resource_type = "organizations"
    field "extras" {
      path = "attributes.extras"
    }
    field "name" {
      path = "attributes.name"
    }
  }
}

sync "psa_docs" {
  psa = system.psa
  doc = system.docs

  object "organization" {
    field "extras" {
      clear_on_disconnect = true
    }
    match {
      rule "name" {
        keys = ["name"]
      }
    }
  }
}
