# Derive blocks checked by the language: the source is another, listed
# (not derived) object of the same system, one block per source; a derived
# object has no route and no write style of its own; each must give a list.

canonical "organization" {
  field "name" {
    type = "string"
  }
}

canonical "location" {
  field "name" {
    type = "string"
  }
}

canonical "contact" {
  field "name" {
    type = "string"
  }
}

system "psa" {
  role     = "psa"
  base_url = "https://psa.example.test"
  filter   = "none"
  write    = "none"
  paging "none" {}

  object "organization" {
    list_path = "/accounts"
    field "name" {
      path = "name"
    }
  }

  object "location" {
    list_path = "/locations"
    write     = "put"
    derive {
      from = "organisation"
      each = "[record.address]"
      id   = "item.line1"
    }
    derive {
      from = "contact"
      each = "'not a list'"
      id   = "item.line1"
    }
    derive {
      from = "contact"
      each = "[record.address]"
      id   = "item.line1"
    }
    field "name" {
      path = "line1"
    }
  }

  object "contact" {
    derive {
      from = "location"
      each = "[record]"
      id   = "item.line1"
    }
    field "name" {
      path = "line1"
    }
  }
}
