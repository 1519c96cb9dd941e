# Two {ref:...} placeholders in a list path: connectors.New refuses it.

canonical "organization" {
  field "name" {
    type = "string"
  }
}

canonical "site" {
  field "organization" {
    type = "ref"
    ref  = "organization"
  }
  field "parent" {
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
    field "name" {
      path = "name"
    }
  }

  object "site" {
    list_path = "/companies/{ref:organization}/sites/{ref:parent}"
    field "organization" {
      path = "company.id"
    }
    field "parent" {
      path = "parent.id"
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

  object "site" {
    list_path     = "/sites"
    resource_type = "sites"
    field "organization" {
      path = "attributes.organization-id"
    }
    field "parent" {
      path = "attributes.parent-id"
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

  object "site" {
    match {
      scope_by = "organization"
      rule "org" {
        keys = ["parent"]
      }
    }
  }
}
