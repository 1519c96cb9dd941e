sync "pair" {
  psa = system.psa
  doc = system.docs

  object "organization" {
    field "kind" {}
    field "title" {}
    match {
      scope_by = "name"
      rule "name" {
        keys = ["name", "nmae"]
      }
    }
  }
  object "location" {
    match {
      rule "city" {
        keys = ["city"]
      }
    }
  }
}
