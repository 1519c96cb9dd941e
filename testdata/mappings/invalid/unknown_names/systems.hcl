variable "psa_token" {
  env       = "PSA_TOKEN"
  sensitive = true
}

system "psa" {
  role     = "psa"
  base_url = "https://psa.example.test"
  headers  = { Authorization = "Bearer ${var.psa_tokn}" }
  write    = "json_patch"
  paging "none" {}

  object "organization" {
    list_path = "/companies"
    field "name" {
      path = "name"
    }
    field "kind" {
      path   = "type.name"
      lookup = "company_typ"
    }
    field "nmae" {
      path = "name"
    }
  }
  object "location" {
    list_path   = "/companies/{ref:organisation}/sites"
    delete_path = "/sites/{uuid}"
    field "organization" {
      path = "company.id"
    }
    field "city" {
      path = "city"
    }
  }
  object "site" {
    list_path = "/sites"
  }
  lookup "company_type" {
    path  = "/company/types"
    label = "name"
  }
  lookup "company_subtype" {
    path        = "/company/types/{parent}/subtypes"
    label       = "name"
    parent      = "company_tpye"
    parent_path = "type.id"
  }
}

system "docs" {
  role     = "doc"
  base_url = "https://docs.example.test"
  write    = "jsonapi"
  paging "none" {}

  object "organization" {
    list_path = "/organizations"
    field "name" {
      path = "attributes.name"
    }
  }
}
