# Two canonical types that reference each other: a cycle.

canonical "organization" {
  field "name" {
    type = "string"
  }
  field "main_site" {
    type = "ref"
    ref  = "location"
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
