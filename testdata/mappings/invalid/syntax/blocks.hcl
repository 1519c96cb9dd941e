sytem "psa" {
  role = "psa"
}

canonical {
  field "name" {
    type = "string"
  }
}

canonical "device" {
  field "name" {
    type = "string"
    lable = "Name"
  }
  fields "serial" {
    type = "string"
  }
}
