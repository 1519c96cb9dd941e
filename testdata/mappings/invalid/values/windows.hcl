system "feed" {
  role     = "doc"
  base_url = "https://feed.example.test"
  write    = "none"
  paging "none" {}

  object "organization" {
    list_path = "/organizations"
    changed_since "filter" {
      param      = "filter[updated_at]"
      template   = "${cursor}, *"
      max_window = 604800
    }
    field "name" {
      path = "name"
    }
  }
}

system "feed2" {
  role     = "doc"
  base_url = "https://feed2.example.test"
  write    = "none"
  paging "none" {}

  object "organization" {
    list_path = "/orgs"
    changed_since "filter" {
      param      = "filter[updated_at]"
      template   = "${cursor}, ${until}"
      max_window = 0
    }
    field "name" {
      path = "name"
    }
  }
}
