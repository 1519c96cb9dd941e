system "psa" {
  role     = "psa"
  base_url = "https://psa.example.test"
  write    = "json_patch"
  paging "none" {}

  object "organization" {
    list_path = "/companies"
    field "name" {
      path               = "name"
      required_on_create = true
    }
    field "notes" {
      path   = "notes"
      access = "read"
    }
    field "parent" {
      path = "parent.id"
    }
  }
  object "contact" {
    list_path = "/contacts"
    field "organization" {
      path = "company.id"
    }
    field "name" {
      path               = "name"
      required_on_create = true
    }
    field "phone" {
      path = "phone"
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
    field "name" {
      path = "attributes.name"
    }
    field "notes" {
      path = "attributes.notes"
    }
    field "parent" {
      path = "attributes.parent-id"
    }
  }
  object "contact" {
    list_path = "/contacts"
    field "organization" {
      path = "attributes.organization-id"
    }
    field "name" {
      path = "attributes.name"
    }
  }
}
