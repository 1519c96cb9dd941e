variable "api_key" {
  env = "OTHER_KEY"
}

system "psa" {
  role     = "psa"
  base_url = "https://other.example.test"
  write    = "json_patch"
  paging "none" {}
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
    field "name" {
      path = "attributes.title"
    }
  }
  object "organization" {
    list_path = "/orgs"
  }
  lookup "type" {
    path  = "/types"
    label = "name"
  }
  lookup "type" {
    path  = "/types"
    label = "name"
  }
}

sync "pair" {
  psa = system.psa
  doc = system.docs
  object "organization" {
    field "name" {}
    field "name" {}
    match {
      rule "name" {
        keys = ["name"]
      }
      rule "name" {
        keys = ["name"]
      }
    }
  }
  object "organization" {
    match {
      rule "x" {
        keys = ["name"]
      }
    }
  }
}
