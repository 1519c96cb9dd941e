# A number where a field path belongs: no silent conversion to "42".

canonical "organization" {
  field "name" {
    type = "string"
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
    field "name" {
      path = 42
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
    }
  }
}
