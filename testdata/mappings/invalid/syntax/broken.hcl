variable "site" {
  env = "SITE
}
