# merge_by on a field that is not a list of entries, and an empty merge key.

canonical "organization" {
  field "name" {
    type = "string"
  }
  field "phones" {
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
    field "phones" {
      path = "phones"
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
    field "phones" {
      path = "attributes.phones"
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
    field "name" {
      merge_by = "value"
    }
    field "phones" {
      merge_by = ""
    }
    match {
      rule "name" {
        keys = ["name"]
      }
    }
  }
}
