system "acme" {
      role = "psa"
  base_url = "https://acme.test"
  headers = {clientId="x",  Accept   = "application/json"}

object "organization" {
  list_path = "/companies"
field "name" {
path = "name"
      required_on_create = true
    }
    field "active" {
      path           = "inactiveFlag"
      to_canonical   =   "value != true"
    }
  }
}



