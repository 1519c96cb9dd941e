# A small mapping set whose tests fail on purpose (wrong expectations),
# for the runner's own tests.

canonical "organization" {
  field "name" {
    type = "string"
  }
  field "status" {
    type = "string"
  }
  field "active" {
    type = "bool"
  }
}

system "psa" {
  role     = "psa"
  base_url = "https://psa.example.test/api"
  write    = "json_patch"
  paging "none" {}

  object "organization" {
    list_path = "/companies"
    field "name" {
      path               = "name"
      required_on_create = true
    }
    field "status" {
      path       = "status.name"
      write_path = "status.id"
      lookup     = "status"
    }
    field "active" {
      path           = "inactiveFlag"
      to_canonical   = "value != true"
      from_canonical = "value == false"
    }
  }

  lookup "status" {
    path    = "/statuses"
    label   = "name"
    missing = "skip"
  }
}
