# The smallest useful mapping set: one type, two systems, one sync.

canonical "organization" {
  field "name" {
    type  = "string"
    label = "Name"
  }
  field "status" {
    type  = "string"
    label = "Status"
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
      path = "name"
    }
    field "status" {
      path       = "status.name"
      write_path = "status.id"
      lookup     = "status"
    }
  }

  lookup "status" {
    path    = "/statuses"
    label   = "name"
    missing = "skip"
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
    field "status" {
      path   = "attributes.status"
      access = "write"
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
