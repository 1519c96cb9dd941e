# A flag reference to an object the sync does not stage: steps.Open
# (records.CheckFlags) refuses it.

canonical "organization" {
  field "name" {
    type = "string"
  }
  field "main_site" {
    type     = "ref"
    ref      = "site"
    deferred = true
  }
}

canonical "site" {
  field "organization" {
    type = "ref"
    ref  = "organization"
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
    field "main_site" {
      path = "site.id"
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
    field "main_site" {
      flag = "attributes.primary"
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
