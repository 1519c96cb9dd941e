# Attributes of a block line up on their equals signs.
variable "base_url" {
env = "BASE_URL"
    default="https://example.test"
  description =   "Where the API lives."
}
