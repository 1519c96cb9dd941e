# The field block below lacks its closing brace: one diagnostic, at that
# block, instead of one at the system line and a cascade.

canonical "organization" {
  field "name" {
    type = "string"
  }
}

system "psa" {
  role     = "psa"
  base_url = "https://psa.example.test/api"
  write    = "put"
  paging "none" {}

  object "organization" {
    list_path = "/companies"
    field "name" {
      path = "name"

    field "id" {
      path = "id"
    }
  }
}
