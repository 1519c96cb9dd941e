sync "pair" {
  psa = system.psa
  doc = system.dcos

  object "organization" {
    match {
      rule "name" {
        keys = ["name"]
      }
    }
  }
}
