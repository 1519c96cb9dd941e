# refetch_query on a field that reads no sub-resource, and refetch_limit
# without refetch_query.

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
      path          = "name"
      refetch_query = { conditions = "closed = false" }
    }
    field "name" {
      path          = "name"
      refetch_limit = 10
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
    }
  }
}
