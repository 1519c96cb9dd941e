# A list field as a narrow key: match.NewObject refuses it.

canonical "organization" {
  field "name" {
    type = "string"
  }
  field "tags" {
    type = "list"
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
    field "tags" {
      path = "tags"
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
    field "tags" {
      path = "attributes.tags"
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
    match {
      rule "name" {
        keys = ["name"]
      }
      narrow = ["tags"]
    }
  }
}
