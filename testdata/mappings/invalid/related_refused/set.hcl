canonical "configuration" {
  field "name" {
    type = "string"
  }
  field "manufacturer" {
    type = "string"
  }
  field "model" {
    type = "string"
  }
}

system "psa" {
  role     = "psa"
  base_url = "https://psa.example.test"
  write    = "partial_patch"
  paging "none" {}

  object "configuration" {
    list_path = "/items"
    field "name" {
      path = "referenceTitle"
    }
    field "manufacturer" {
      path         = "productID"
      lookup       = "product"
      lookup_label = "manufacturerName"
    }
    field "model" {
      path         = "productID"
      write_path   = "product.id"
      lookup       = "product"
      lookup_label = "manufacturerProductName"
    }
  }

  lookup "product" {
    path        = "/products"
    label       = "name"
    missing     = "create"
    create_body = { name = "${label}" }
  }
}

system "docs" {
  role     = "doc"
  base_url = "https://docs.example.test"
  write    = "put"
  paging "none" {}

  object "configuration" {
    list_path = "/configurations"
    field "name" {
      path = "name"
    }
  }
}

sync "pair" {
  psa = system.psa
  doc = system.docs

  object "configuration" {
    match {
      rule "name" {
        keys = ["name"]
      }
    }
  }
}
