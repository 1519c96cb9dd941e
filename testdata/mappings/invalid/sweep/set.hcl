# A sweep that is not a duration, and a sweep on an object that is not
# listed under a parent.

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
    sweep     = "1h"
    field "name" {
      path = "name"
    }
  }

  object "site" {
    list_path = "/companies/{ref:organization}/sites"
    sweep     = "daily"
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
