# The example set "psa_rules" of docs/mapping-language.md (related
# records, what a system offers, one entry per phone type), loaded the way
# validate loads it: with the runtime's own checks.

canonical "organization" {
  field "name" {
    type = "string"
  }
}

canonical "configuration" {
  field "organization" {
    type = "ref"
    ref  = "organization"
  }
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

system "product_psa" {
  role     = "psa"
  base_url = "https://psa.example.test/v1"
  write    = "partial_patch"
  paging "none" {}

  object "organization" {
    list_path = "/companies"
    field "name" {
      path               = "companyName"
      required_on_create = true
    }
  }

  object "configuration" {
    list_path = "/configurationItems"

    field "organization" {
      path               = "companyID"
      required_on_create = true
    }
    field "name" {
      path         = "referenceTitle"
      to_canonical = "coalesce(value, related('product', record.productID)?.name)"
    }
    field "manufacturer" {
      path               = "productID"
      lookup             = "product"
      lookup_label       = "manufacturerName"
      required_on_create = true
    }
    field "model" {
      path               = "productID"
      lookup             = "product"
      lookup_label       = "manufacturerProductName"
      required_on_create = true
    }
  }

  lookup "product" {
    path    = "/products"
    label   = "name"
    missing = "skip"
    reason  = "no product of this manufacturer and model in the PSA"
  }
}

canonical "contact" {
  field "organization" {
    type = "ref"
    ref  = "organization"
  }
  field "first_name" {
    type = "string"
  }
  field "phones" {
    type = "json"
  }
}

system "one_way_psa" {
  role     = "psa"
  base_url = "https://accounts.example.test/api"
  write    = "none"
  paging "none" {}

  object "organization" {
    list_path         = "/accounts"
    offers            = ["to_doc"]
    default_direction = "to_doc"
    field "name" {
      path = "AccountName"
    }
  }

  object "contact" {
    list_path = "/contacts"
    query     = { Active = "true" }
    offers    = ["to_doc"]
    field "organization" {
      path = "AccountNumber"
    }
    field "first_name" {
      path = "FirstName"
    }
    field "phones" {
      path         = ""
      access       = "read"
      to_canonical = <<EOT
filter([
  {'type': 'Work',   'value': drop_extension(record.BusinessPhone), 'primary': record.PrimaryPhone == 'Business'},
  {'type': 'Mobile', 'value': drop_extension(record.MobilePhone),   'primary': record.PrimaryPhone == 'Mobile'},
  {'type': 'Home',   'value': drop_extension(record.HomePhone),     'primary': record.PrimaryPhone == 'Home'}
], #.value != '')
EOT
    }
  }
}

system "docs_rules" {
  role     = "doc"
  base_url = "https://docs.example.test"
  write    = "put"
  paging "none" {}

  object "organization" {
    list_path = "/organizations"
    field "name" {
      path = "name"
    }
  }
  object "contact" {
    list_path = "/contacts"
    field "organization" {
      path = "organization_id"
    }
    field "first_name" {
      path = "first_name"
    }
    field "phones" {
      path = "phones"
    }
  }
  object "configuration" {
    list_path = "/configurations"
    field "organization" {
      path = "organization_id"
    }
    field "name" {
      path = "name"
    }
    field "manufacturer" {
      path = "manufacturer"
    }
    field "model" {
      path = "model"
    }
  }
}

sync "accounts_one_way" {
  psa = system.one_way_psa
  doc = system.docs_rules

  object "organization" { # no direction: the PSA's default, to_doc
    match {
      rule "name" {
        keys = ["name"]
      }
    }
  }
  object "contact" {
    match {
      scope_by = "organization"
      rule "first_name" {
        keys = ["first_name"]
      }
    }
  }
}

sync "products_two_way" {
  psa = system.product_psa
  doc = system.docs_rules

  object "organization" {
    match {
      rule "name" {
        keys = ["name"]
      }
    }
  }
  object "configuration" {
    create_in_psa = "always"
    match {
      scope_by = "organization"
      rule "name" {
        keys = ["name"]
      }
    }
  }
}
