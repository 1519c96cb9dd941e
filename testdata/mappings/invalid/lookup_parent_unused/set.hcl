# A lookup scoped under a parent lookup no field uses: records (NewWriter) refuses it.

canonical "organization" {
  field "name" {
    type = "string"
  }
  field "model" {
    type = "string"
  }
}

system "psa" {
  role     = "psa"
  base_url = "https://psa.example.test/api"
  filter   = "query"
  write    = "put"
  paging "none" {}

  lookup "manufacturer" {
    path  = "/manufacturers"
    label = "name"
  }

  lookup "model" {
    path        = "/manufacturers/{parent}/models"
    label       = "name"
    parent      = "manufacturer"
    parent_path = "manufacturer.id"
  }

  object "organization" {
    list_path = "/companies"
    field "model" {
      path   = "model.id"
      lookup = "model"
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
    field "model" {
      path = "attributes.model"
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
