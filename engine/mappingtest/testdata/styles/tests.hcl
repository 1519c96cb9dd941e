# put: the connector reads the record (current) and sends it whole with the
# change.
test "put" {
  system = system.put_api
  object = "organization"
  write {
    action        = "update"
    id            = "7"
    after         = { phone = "555-0199" }
    current       = { accountId = 7, accountName = "Acme", contact = { phone = "555-0100", email = "a@acme.example" } }
    expect_method = "PUT"
    expect_path   = "/accounts/7"
    expect_body   = { accountId = 7, accountName = "Acme", contact = { phone = "555-0199", email = "a@acme.example" } }
  }
  write {
    action        = "create"
    after         = { name = "Acme", phone = "555-0100" }
    expect_method = "POST"
    expect_path   = "/accounts"
    expect_body   = { accountName = "Acme", contact = { phone = "555-0100" } }
  }
}

# partial_patch: the collection, with the id and the changed fields.
test "partial" {
  system = system.partial_api
  object = "organization"
  write {
    action        = "update"
    id            = "42"
    after         = { phone = "555-0199" }
    expect_method = "PATCH"
    expect_path   = "/Companies"
    expect_body   = { id = 42, phone = "555-0199" }
  }
}
