canonical "organization" {
  field "name" {
    type = "string"
  }
  field "parent" {
    type = "ref"
    ref  = "organization" # a self-reference is not a cycle
  }
  field "notes" {
    type = "string"
  }
  field "main_contact" {
    type = "ref"
    ref  = "contact"
  }
}

canonical "site" {
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
  field "site" {
    type = "ref"
    ref  = "site"
  }
  field "name" {
    type = "string"
  }
  field "phone" {
    type = "string"
  }
}
