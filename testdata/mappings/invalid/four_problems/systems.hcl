system "psa" {
  role     = "psa"
  base_url = "https://psa.example.test/api"
  write    = "json_patch"

  paging "page_number" {
    page_param = "page"
    size_param = "pageSize"
    max_size   = 100
  }

  object "organization" {
    list_path = "/companies"
    field "name" {
      path         = "name"
      to_canonical = "trim(value) +"
    }
  }
}

system "docs" {
  role     = "doc"
  base_url = "https://docs.example.test"
  write    = "jsonapi"

  paging "page_number" {
    page_param = "page[number]"
    size_param = "page[size]"
    max_size   = 1000
  }

  object "organization" {
    list_path = "/organizations"
    updatd    = "attributes.updated-at"
    field "name" {
      path = "attributes.name"
    }
  }
}
