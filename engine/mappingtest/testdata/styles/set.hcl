# One object under each write style the connectors know, with tests that
# pass: what a test sees is what each style sends.

canonical "organization" {
  field "name" {
    type = "string"
  }
  field "phone" {
    type = "string"
  }
}

system "put_api" {
  role     = "psa"
  base_url = "https://put.example.test/api/v2"
  write    = "put"
  paging "none" {}
  envelope {
    item = "item"
  }

  object "organization" {
    list_path = "/accounts"
    id        = "accountId"
    field "name" {
      path = "accountName"
    }
    field "phone" {
      path = "contact.phone"
    }
  }
}

system "partial_api" {
  role     = "psa"
  base_url = "https://partial.example.test"
  write    = "partial_patch"
  paging "none" {}

  # update_path defaults to item_path (/Companies/{id}); this API takes
  # partial updates at the collection.
  object "organization" {
    list_path   = "/Companies"
    update_path = "/Companies"
    field "name" {
      path = "companyName"
    }
    field "phone" {
      path = "phone"
    }
  }
}
