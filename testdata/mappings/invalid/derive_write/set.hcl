# Refused by the runtime (records.CheckDerived, steps.Open): a derived
# object cannot be written in the system it is derived in, so its sync
# direction cannot point there. (Copied from valid/derived_locations with
# location two_way.)
#
# Derived records: a Tigerpaw-shaped PSA has no location records. Its
# locations are derived from the address blocks of accounts (the account's
# own address: the organization's primary location) and of contacts (one
# location per distinct address of an account's contacts). A location's id
# is its account and address tuple, so an address change gives a new
# location; several contacts at one address give one location. One way
# into documentation: derived records are never written back.
#
# engine/steps/derive_test.go runs this set against two small HTTP servers.

variable "tp_url" {
  env = "TP_URL"
}
variable "docs_url" {
  env = "DOCS_URL"
}

canonical "organization" {
  field "name" {
    type = "string"
  }
  field "primary_location" {
    type     = "ref"
    ref      = "location"
    deferred = true
  }
}

canonical "contact" {
  field "first_name" {
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
  field "address_2" {
    type = "string"
  }
  field "city" {
    type = "string"
  }
  field "phone" {
    type = "string"
  }
}

system "tigerpaw" {
  role     = "psa"
  base_url = "${var.tp_url}"
  filter   = "none"
  write    = "none"
  paging "none" {}
  changed_since "filter" {
    param    = "modifiedAfter"
    template = "${cursor}"
    format   = "2006-01-02T15:04:05Z"
  }

  object "organization" {
    list_path = "/accounts"
    id        = "AccountNumber"
    updated   = "DateModified"
    field "name" {
      path = "AccountName"
    }
    # The primary location is the location derived from the account's own
    # address: the same id as the derive below gives it.
    field "primary_location" {
      path         = "Address1"
      access       = "read"
      to_canonical = "trim(record.Address1) == '' ? nil : string(record.AccountNumber) + '|' + lower(trim(record.Address1)) + '|' + lower(trim(record.Address2)) + '|' + lower(trim(record.City))"
    }
  }

  # The only contact object: a derive source, not synced here.
  object "contact" {
    list_path = "/contacts"
    id        = "ContactNumber"
    updated   = "DateModified"
    field "first_name" {
      path = "FirstName"
    }
  }

  object "location" {
    # The account's address: named after address 1; its phone is the
    # primary number that is not a fax, without extension.
    derive {
      from = "organization"
      each = "trim(record.Address1) == '' ? [] : [{'account': record.AccountNumber, 'address_1': record.Address1, 'address_2': record.Address2, 'city': record.City, 'phone': first(split(first(map(filter(record.Phones ?? [], .Type != 'Fax' && .Primary), .Number)) ?? '', 'x'))}]"
      id   = "string(item.account) + '|' + lower(trim(item.address_1)) + '|' + lower(trim(item.address_2)) + '|' + lower(trim(item.city))"
    }
    # Each contact's address: contacts of one account at one address give
    # one location (the same id); the account's own address wins.
    derive {
      from = "contact"
      each = "trim(record.Address1) == '' ? [] : [{'account': record.AccountNumber, 'address_1': record.Address1, 'address_2': record.Address2, 'city': record.City, 'phone': record.Phone}]"
      id   = "string(item.account) + '|' + lower(trim(item.address_1)) + '|' + lower(trim(item.address_2)) + '|' + lower(trim(item.city))"
    }
    field "organization" {
      path = "account"
    }
    field "name" {
      path = "address_1"
    }
    field "address_1" {
      path = "address_1"
    }
    field "address_2" {
      path = "address_2"
    }
    field "city" {
      path = "city"
    }
    field "phone" {
      path = "phone"
    }
  }
}

system "docs" {
  role     = "doc"
  base_url = "${var.docs_url}"
  filter   = "none"
  write    = "put"
  paging "none" {}

  object "organization" {
    list_path = "/organizations"
    field "name" {
      path = "name"
    }
    field "primary_location" {
      path = "primary_location_id"
    }
  }
  object "location" {
    list_path = "/locations"
    field "organization" {
      path = "organization_id"
    }
    field "name" {
      path = "name"
    }
    field "address_1" {
      path = "address_1"
    }
    field "address_2" {
      path = "address_2"
    }
    field "city" {
      path = "city"
    }
    field "phone" {
      path = "phone"
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
    direction = "two_way"
    match {
      scope_by = "organization"
      rule "address" {
        keys = ["organization", "address_1", "address_2", "city"]
      }
    }
  }
}
