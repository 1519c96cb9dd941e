system "acme" {
  role     = "psa"
  base_url = "https://acme.test"
  object "contact" {
    list_path = "/contacts"
    field "phones" {
      path = "communicationItems"
      # The heredoc's text is a value: its layout is kept.
      from_canonical = <<EOT
concat(
      map(record.phones ?? [], ({'value': #.value}))
)
EOT
    }
  }
}
