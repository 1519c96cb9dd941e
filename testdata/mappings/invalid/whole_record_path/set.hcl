canonical "contact" {
  field "name" {
    type = "string"
  }
  field "phones" {
    type = "json"
  }
}

system "psa" {
  role     = "psa"
  base_url = "https://psa.example.test"
  write    = "json_patch"
  paging "none" {}

  object "contact" {
    list_path = "/contacts"
    field "name" {
      path = "name"
    }
    field "phones" {
      path         = ""
      to_canonical = "filter([{'type': 'Work', 'value': record.phone}, {'type': 'Mobile', 'value': record.mobile}], #.value != nil)"
    }
  }
}

system "docs" {
  role     = "doc"
  base_url = "https://docs.example.test"
  write    = "put"
  paging "none" {}

  object "contact" {
    list_path = "/contacts"
    field "name" {
      path = "name"
    }
    field "phones" {
      path = "phones"
    }
  }
}

sync "pair" {
  psa = system.psa
  doc = system.docs

  object "contact" {
    match {
      rule "name" {
        keys = ["name"]
      }
    }
  }
}
