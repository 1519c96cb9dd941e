variable "key" {
  env       = "KEY"
  sensitive = true
  default   = "not-a-secret-anymore"
}

variable "site" {
  env = "2SITE"
}

system "psa" {
  role     = "pas"
  base_url = "https://${lower(var.site)}.example.test"
  write    = "json_pach"

  auth "oauth" {}

  paging "page_number" {
    page_param = "page"
    size_param = "pageSize"
    max_size   = 100
    size       = 500
    stop       = "total_pages"
  }

  retry {
    max_attempts = 0
    retry_on     = [429, 200]
  }

  changed_since "filter" {
    param    = "conditions"
    template = "lastUpdated > [${var.site}]"
  }

  object "organization" {
    list_path   = "/companies"
    list_method = "POST"
    bulk {
      create {
        path = "/companies/bulk"
        max  = 50
        wrap = "list"
      }
    }
    field "name" {
      path         = "name"
      access       = "readonly"
      to_canonical = value
    }
  }

  lookup "kind" {
    path    = "/types"
    label   = "name"
    missing = "create"
  }
}

system "docs" {
  role     = "doc"
  base_url = "https://docs.example.test"
  write    = "jsonapi"
  paging "next_page" {}

  object "organization" {
    list_path = "/organizations"
    field "name" {
      path = "attributes.name"
    }
  }
}

sync "pair" {
  psa    = system.psa
  doc    = system.docs
  winner = "psa_always"

  object "organization" {
    direction = "twoway"
    match {
      rule "name" {
        keys = ["name"]
      }
      tie       = "newest"
      normalize = { name = "lowercase" }
    }
  }
}
