canonical "organization" {
  field "name" {
    type = "string"
  }
}

canonical "contact" {
  field "name" {
    type = "string"
  }
}

canonical "configuration" {
  field "name" {
    type = "string"
  }
}

system "one_way" {
  role     = "psa"
  base_url = "https://psa.example.test"
  write    = "none"
  paging "none" {}

  object "organization" {
    list_path = "/accounts"
    offers    = ["to_doc"]
    field "name" {
      path = "name"
    }
  }
  object "contact" {
    list_path         = "/contacts"
    offers            = ["to_docs"]
    default_direction = "two_way"
    field "name" {
      path = "name"
    }
  }
}

system "off_by_default" {
  role     = "psa"
  base_url = "https://psa2.example.test"
  write    = "json_patch"
  paging "none" {}

  object "organization" {
    list_path         = "/accounts"
    offers            = ["two_way", "to_doc"]
    default_direction = "to_psa"
    field "name" {
      path = "name"
    }
  }
  object "contact" {
    list_path = "/contacts"
    offers    = []
    field "name" {
      path = "name"
    }
  }
}

system "docs" {
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
    field "name" {
      path = "name"
    }
  }
  object "configuration" {
    list_path = "/configurations"
    field "name" {
      path = "name"
    }
  }
}

sync "refused" {
  psa = system.one_way
  doc = system.docs

  object "organization" {
    direction = "two_way"
    match {
      rule "name" {
        keys = ["name"]
      }
    }
  }
  object "configuration" {
    match {
      rule "name" {
        keys = ["name"]
      }
    }
  }
}

sync "defaulted" {
  psa = system.one_way
  doc = system.docs

  object "organization" {
    create_in_psa = "always"
    match {
      rule "name" {
        keys = ["name"]
      }
    }
  }
}
