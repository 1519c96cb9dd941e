canonical "organization" {
  field "name" {
    type = "text"
  }
  field "parent" {
    type = "ref"
  }
  field "kind" {
    type = "string"
    ref  = "organization"
  }
  field "size" {
    type     = "int"
    deferred = true
  }
}
