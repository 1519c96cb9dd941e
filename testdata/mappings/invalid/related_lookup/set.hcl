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
  field "kind" {
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
      path         = "referenceTitle"
      to_canonical = "coalesce(value, related('prodcut', record.productID)?.name)"
    }
    field "kind" {
      path         = "typeID"
      to_canonical = "related(record.lookupName, value)?.name"
    }
    field "manufacturer" {
      path         = "productID"
      lookup_label = "manufacturerName"
    }
    field "model" {
      path         = "productID"
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
