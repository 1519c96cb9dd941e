test "passes" {
  system  = system.psa
  object  = "organization"
  lookups = { status = { "Active" = 1 } }
  read {
    raw    = { id = 1, name = "Acme", status = { id = 1, name = "Active" }, inactiveFlag = false }
    expect = { name = "Acme", status = "Active", active = true }
  }
  write {
    action        = "update"
    id            = "1"
    after         = { status = "Active", active = false }
    expect_method = "PATCH"
    expect_path   = "/companies/1"
    expect_body   = <<EOT
[{"op": "replace", "path": "/inactiveFlag", "value": true}, {"op": "replace", "path": "/status/id", "value": 1}]
EOT
  }
}

test "wrong expectations" {
  system  = system.psa
  object  = "organization"
  lookups = { status = { "Active" = 1 } }

  read {
    raw    = { id = 1, name = "Acme", inactiveFlag = true }
    expect = { name = "Acme Inc", active = true }
  }

  write {
    action        = "create"
    after         = { name = "Acme", status = "Active" }
    expect_method = "POST"
    expect_path   = "/companies"
    expect_body   = { name = "Acme", status = { id = 2 } }
  }

  write {
    action      = "create"
    after       = { name = "Acme", status = "Active" }
    expect_skip = "status"
  }

  write {
    action        = "create"
    after         = { name = "Acme", status = "Gone" }
    expect_method = "POST"
    expect_path   = "/companies"
    expect_body   = { name = "Acme" }
  }
}

# The object has no bulk route: two records are two requests.
test "batch without a bulk route" {
  system  = system.psa
  object  = "organization"
  lookups = { status = { "Active" = 1 } }
  write {
    action = "create"
    batch = [
      { after = { name = "Acme" } },
      { after = { name = "Bolt" } },
    ]
    expect_method = "POST"
    expect_path   = "/companies"
    expect_body   = [{ name = "Acme" }, { name = "Bolt" }]
  }
}
