# A valid use of the language the runtime refuses: derive (locations from
# account address blocks) is not implemented by records.New yet.

# A Tigerpaw-shaped PSA: no location records. Locations are derived from the
# address blocks of each account (one per address), with a stable id built
# from the account id and the address kind. One-way into documentation.

variable "tp_key" {
  env       = "TP_API_KEY"
  sensitive = true
}

canonical "organization" {
  field "name" {
    type = "string"
  }
}

canonical "location" {
  field "organization" {
    type = "ref"
    ref  = "organization"
  }
  field "name" {
    type = "string"
  }
  field "address_1" {
    type = "string"
  }
  field "city" {
    type = "string"
  }
}

system "tigerpaw" {
  role     = "psa"
  base_url = "https://tigerpaw.example.test/api"
  filter   = "query"
  write    = "none"
  auth "header" {
    headers = { Authorization = "Key ${var.tp_key}" }
  }
  paging "page_number" {
    page_param = "page"
    size_param = "size"
    max_size   = 200
    stop       = "short_page"
  }

  object "organization" {
    list_path = "/accounts"
    id        = "AccountNumber"
    field "name" {
      path = "AccountName"
    }
  }

  object "location" {
    list_path = "/accounts"
    derive {
      from = "organization"
      each = "map(filter([record.BillingAddress, record.ShippingAddress], # != nil && trim(#.Address1) != ''), ({'AccountNumber': record.AccountNumber, 'Kind': #.Kind, 'Address1': #.Address1, 'City': #.City}))"
      id   = "string(record.AccountNumber) + ':' + lower(item.Kind)"
    }
    field "organization" {
      path = "AccountNumber"
    }
    field "name" {
      path = "Address1"
    }
    field "address_1" {
      path = "Address1"
    }
    field "city" {
      path = "City"
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
    list_path = "/organizations"
    resource_type = "organizations"
    field "name" {
      path = "attributes.name"
    }
  }
  object "location" {
    list_path = "/locations"
    resource_type = "locations"
    field "organization" {
      path = "attributes.organization-id"
    }
    field "name" {
      path = "attributes.name"
    }
    field "address_1" {
      path = "attributes.address-1"
    }
    field "city" {
      path = "attributes.city"
    }
  }
}

sync "tigerpaw_docs" {
  psa = system.tigerpaw
  doc = system.docs

  object "organization" {
    direction = "to_doc"
    match {
      rule "name" {
        keys = ["name"]
      }
    }
  }
  object "location" {
    direction = "to_doc"
    match {
      scope_by = "organization"
      rule "address" {
        keys = ["address_1", "city"]
      }
    }
  }
}
