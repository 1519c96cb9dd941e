canonical "device" {
  field "name" {
    type = "string"
  }
  field "kind" {
    type = "string"
  }
  field "installed" {
    type = "date"
  }
  field "ports" {
    type = "int"
  }
}

system "psa" {
  role     = "psa"
  base_url = "https://psa.example.test"
  write    = "json_patch"
  paging "none" {}

  object "device" {
    list_path = "/devices"
    field "name" {
      path         = "name"
      to_canonical = "is_mac(value)"
    }
    field "kind" {
      path           = "type.name"
      to_canonical   = "\"x\" + valeu"
      from_canonical = "record.knid"
    }
    field "installed" {
      path         = "installedAt"
      to_canonical = <<EOT
date(
  value,
  'extra'
)
EOT
    }
    field "ports" {
      path         = "ports"
      to_canonical = "len(value) + "
    }
  }
  object "address" {
    # derived: no list_path of its own
    derive {
      from = "device"
      each = "len(record)"
      id   = "item.id"
    }
  }
}

canonical "address" {
  field "line" {
    type = "string"
  }
}

system "docs" {
  role     = "doc"
  base_url = "https://docs.example.test"
  write    = "jsonapi"
  paging "none" {}

  object "device" {
    list_path = "/configurations"
    field "name" {
      path = "attributes.name"
    }
    field "kind" {
      path = "attributes.kind"
    }
  }
}

sync "pair" {
  psa = system.psa
  doc = system.docs
  settings {
    kinds   = ["Server"]
    enabled = true
  }

  object "device" {
    enabled      = "settings.enabeld"
    scope        = "record.kind in settings.kinds && record.nmae != ''"
    scope_reason = "kind not synced"
    match {
      rule "name" {
        keys = ["name"]
      }
    }
  }
}
