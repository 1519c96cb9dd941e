# Refused by the runtime (records.CheckDerived, steps.Open): a derived
# object cannot be written in the system it is derived in, so its sync
# direction cannot point there (location two_way).

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
}

canonical "contact" {
  field "organization" {
    type = "ref"
    ref  = "organization"
  }
  field "name" {
    type = "string"
  }
}

system "psa" {
  role     = "psa"
  base_url = "https://psa.example.test"
  filter   = "none"
  write    = "partial_patch"
  paging "none" {}

  object "organization" {
    list_path = "/accounts"
    field "name" {
      path = "name"
    }
  }

  object "contact" {
    list_path = "/contacts"
    field "organization" {
      path = "account"
    }
    field "name" {
      path = "name"
    }
  }

  object "location" {
    derive {
      from = "organization"
      each = "[record.address]"
      id   = "string(record.id) + '|' + item.line1"
    }
    derive {
      from = "contact"
      each = "[record.address]"
      id   = "string(record.account) + '|' + item.line1"
    }
    field "organization" {
      path = "account"
    }
    field "name" {
      path = "line1"
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
  object "location" {
    resource_type = "locations"
    list_path     = "/locations"
    field "organization" {
      path = "attributes.organization-id"
    }
    field "name" {
      path = "attributes.name"
    }
  }
  object "contact" {
    resource_type = "contacts"
    list_path     = "/contacts"
    field "organization" {
      path = "attributes.organization-id"
    }
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
  object "contact" {
    direction = "to_doc"
    match {
      scope_by = "organization"
      rule "name" {
        keys = ["name"]
      }
    }
  }
  object "location" {
    direction = "two_way"
    match {
      scope_by = "organization"
      rule "name" {
        keys = ["name"]
      }
    }
  }
}
