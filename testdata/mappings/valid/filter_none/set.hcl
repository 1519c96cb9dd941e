# filter = "none": a system with no server-side filters. Valid, and the
# runtime must accept it; pending until branch h-vocab (which makes "none" a
# dialect the connectors run) is merged, then move this set to valid/.

canonical "organization" {
  field "name" {
    type  = "string"
    label = "Name"
  }
}

system "psa" {
  role     = "psa"
  base_url = "https://psa.example.test/api"
  filter   = "none"
  write    = "put"
  paging "none" {}

  object "organization" {
    list_path = "/companies"
    field "name" {
      path = "name"
    }
  }
}

system "docs" {
  role     = "doc"
  base_url = "https://docs.example.test"
  write    = "jsonapi"
  paging "none" {}

  object "organization" {
    list_path = "/organizations"
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
