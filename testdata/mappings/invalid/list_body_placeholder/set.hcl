# A query body is sent as written: a ${...} placeholder in list_body would
# reach the API verbatim, so connectors.CheckSystem refuses it.

canonical "organization" {
  field "name" {
    type = "string"
  }
}

system "psa" {
  role     = "psa"
  base_url = "https://psa.example.test"
  filter   = "query_body"
  write    = "none"
  paging "none" {}

  object "organization" {
    list_path   = "/accounts/query"
    list_method = "POST"
    list_body   = { filter = [{ op = "gt", field = "updated", value = "${cursor}" }] }
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
    resource_type = "organizations"
    list_path     = "/organizations"
    field "name" {
      path = "attributes.name"
    }
  }
}

sync "psa_docs" {
  psa = system.psa
  doc = system.docs

  object "organization" {
    direction = "to_doc"
    match {
      rule "name" {
        keys = ["name"]
      }
    }
  }
}
