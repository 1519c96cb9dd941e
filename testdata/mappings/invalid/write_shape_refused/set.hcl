# Write shapes the runtime refuses (connectors.CheckSystem), reported at
# the attribute: a create that sends a patch, an update whose body cannot
# carry the id to a route without {id}, a JSON:API body without
# resource_type, an update block without a body on a read-only object, a
# field written through a path that selects a list element.

canonical "contact" {
  field "name" {
    type = "string"
  }
}

canonical "site" {
  field "name" {
    type = "string"
  }
  field "phone" {
    type = "string"
  }
}

system "psa" {
  role     = "psa"
  base_url = "https://psa.example.test/api"
  write    = "json_patch"
  paging "none" {}

  object "contact" {
    list_path = "/contacts"

    create {
      body = "json_patch"
    }
    update {
      path = "/contacts"
    }

    field "name" {
      path = "name"
    }
  }

  object "site" {
    list_path = "/sites"
    write     = "none"

    create {
      body = "jsonapi"
    }
    update {
      method = "PUT"
    }

    field "name" {
      path = "name"
    }
    field "phone" {
      path = "phones.type=Main.number"
    }
  }
}
