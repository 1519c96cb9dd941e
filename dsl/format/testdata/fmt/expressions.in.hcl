test "phones" {
  system=system.acme
  object = "contact"
  lookups = { contact_type = { "Owner"=1, "Billing" = 2 } }
  read {
    raw = {communicationItems=[{communicationType="Phone",value="555-0100"}]}
    expect = { phones = [ { value = "555-0100", type = null } ] }
  }
}
