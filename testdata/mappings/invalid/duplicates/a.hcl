variable "api_key" {
  env       = "API_KEY"
  sensitive = true
}

canonical "organization" {
  field "name" {
    type = "string"
  }
  field "name" {
    type = "string"
  }
}

system "psa" {
  role     = "psa"
  base_url = "https://psa.example.test"
  write    = "json_patch"
  auth "basic" {
    username = "sync"
    password = var.api_key
  }
  auth "none" {}
  paging "none" {}

  object "organization" {
    list_path = "/companies"
    field "name" {
      path = "name"
    }
  }
}
