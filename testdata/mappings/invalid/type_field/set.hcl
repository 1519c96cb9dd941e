# type_field (what `mapsync pause --type` filters on) must be a canonical string field of the object.

canonical "organization" {
  field "name" {
    type  = "string"
    label = "Name"
  }
  field "employees" {
    type  = "int"
    label = "Employees"
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
  }
}

sync "psa_docs" {
  psa = system.psa
  doc = system.docs

  object "organization" {
    type_field = "kind"
    match {
      rule "name" {
        keys = ["name"]
      }
    }
  }
}

sync "psa_docs_sizes" {
  psa = system.psa
  doc = system.docs

  object "organization" {
    type_field = "employees"
    match {
      rule "name" {
        keys = ["name"]
      }
    }
  }
}
