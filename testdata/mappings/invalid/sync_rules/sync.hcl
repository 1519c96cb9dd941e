sync "pair" {
  psa = system.psa
  doc = system.docs

  object "organization" {
    direction = "two_way"
    field "notes" {
      direction = "two_way"
    }
    field "parent" {
      direction = "to_psa"
    }
    field "name" {
      direction = "to_doc"
    }
    match {
      rule "name" {
        keys = ["name"]
      }
    }
  }

  object "contact" {
    direction     = "to_doc"
    create_in_psa = "always"
    field "name" {
      direction = "to_psa"
    }
    match {
      scope_by = "site"
      rule "name" {
        keys = ["name", "phone"]
      }
    }
  }
}

sync "backwards" {
  psa = system.docs
  doc = system.docs

  object "organization" {
    match {
      rule "name" {
        keys = ["name"]
      }
    }
  }
}

sync "contacts_only" {
  psa = system.psa
  doc = system.docs

  object "contact" {
    direction = "to_doc"
    match {
      scope_by = "organization"
      rule "name" {
        keys = ["name"]
      }
    }
  }
}
