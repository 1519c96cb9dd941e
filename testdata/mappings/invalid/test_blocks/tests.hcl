# Test blocks: their syntax, and the names they refer to (system, object,
# canonical and mapped fields, lookups), each reported where it is written.
test "unknown system" {
  system = system.nope
  object = "organization"
  read {
    raw    = { name = "Acme" }
    expect = { name = "Acme" }
  }
}

test "a misspelt field" {
  system = system.psa
  object = "organization"
  read {
    raw    = { name = "Acme" }
    expect = { nmae = "Acme" }
  }
}

test "names" {
  system  = system.docs
  object  = "organisation"
  lookups = { state = {} }
  read {
    raw    = { id = "1" }
    expect = { name = "x" }
  }
}

test "fields and lookups" {
  system  = system.psa
  object  = "organization"
  lookups = { state = {} }
  write {
    action        = "upsert"
    after         = { title = "x" }
    expect_method = "GET"
  }
}

test "write expectations" {
  system = system.psa
  object = "organization"
  write {
    action        = "update"
    after         = { name = "x" }
    expect_method = "PUT"
    expect_path   = "/companies/1"
  }
  write {
    action      = "create"
    after       = { name = "x" }
    expect_skip = "left out"
    expect_body = {}
  }
  read {
    raw    = "{not json"
    expect = { name = "x" }
  }
}

test "empty" {
  system = system.psa
  object = "organization"
}

test "empty" {
  system = system.psa
  object = "organization"
  read {
    raw = {}
  }
}

test "quoted system" {
  system = "psa"
  object = "organization"
  read {
    raw    = {}
    expect = { name = null }
  }
}

test "read names" {
  system  = system.docs
  object  = "organization"
  read {
    raw     = {}
    fetched = { name = [] }
    expect  = { status = null }
  }
}

test "lookup stub" {
  system  = system.psa
  object  = "organization"
  lookups = { status = { "Active" = { id = 1 } } }
  read {
    raw    = {}
    expect = { status = null }
  }
}

test "batches" {
  system = system.psa
  object = "organization"
  write {
    action        = "update"
    id            = "1"
    batch         = [{ id = "1", after = { name = "a" } }, { id = "2", after = { name = "b" } }]
    expect_method = "PATCH"
    expect_path   = "/companies"
    expect_body   = []
  }
  write {
    action      = "create"
    batch       = [{ after = { name = "a" } }, { after = { nmae = "b" } }]
    expect_skip = "x"
  }
  write {
    action        = "update"
    batch         = [{ after = { name = "a" } }, { before = {} }]
    expect_method = "PATCH"
    expect_path   = "/companies"
    expect_body   = []
  }
  write {
    action        = "create"
    expect_method = "POST"
    expect_path   = "/companies"
    expect_body   = {}
  }
}
