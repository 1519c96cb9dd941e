canonical "organization" {
  field "name" {
    type = "string"
  }
  field "kind" {
    type = "string"
  }
  field "region" {
    type = "ref"
    ref  = "regoin"
  }
}

canonical "location" {
  field "organization" {
    type = "ref"
    ref  = "organization"
  }
  field "city" {
    type = "string"
  }
}
