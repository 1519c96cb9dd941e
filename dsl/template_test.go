package dsl_test

import (
	"testing"

	"mapsync/dsl"
	"mapsync/engine/plan"
)

const templateSet = `
variable "site" {
  env = "SITE"
}
variable "key" {
  env       = "KEY"
  sensitive = true
}
canonical "thing" {
  field "name" {
    type = "string"
  }
}
system "s" {
  role     = "psa"
  base_url = "https://${var.site}/api/$${literal}"
  headers  = { clientId = var.site, "X-Mode" = "sync" }
  write    = "json_patch"
  paging "none" {}
  auth "basic" {
    username = "${var.site}+user"
    password = var.key
  }
  changed_since "filter" {
    param    = "conditions"
    template = "lastUpdated > [${cursor}]"
  }
  object "thing" {
    list_path   = "/things/query"
    list_method = "POST"
    list_body   = { filter = [{ op = "gt", field = "updated", value = "${cursor}" }], max = 500, active = true, none = null }
    field "name" {
      path = "name"
    }
  }
  lookup "kind" {
    path        = "/kinds"
    label       = "name"
    missing     = "create"
    create_body = { data = { type = "kinds", attributes = { name = "${label}", parent-id = "${parent}" } } }
  }
}
`

func TestTemplatesStayTemplates(t *testing.T) {
	cfg, diags := dsl.LoadFiles(map[string][]byte{"t.hcl": []byte(templateSet)})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	s := cfg.Systems["s"]
	checks := []struct{ got, want string }{
		{string(s.BaseURL), "https://${var.site}/api/${literal}"},
		{string(s.Headers["clientId"]), "${var.site}"},
		{string(s.Headers["X-Mode"]), "sync"},
		{string(s.Auth.Username), "${var.site}+user"},
		{string(s.Auth.Password), "${var.key}"},
		{s.ChangedSince.Template, "lastUpdated > [${cursor}]"},
		{s.Objects[0].ListBody, `{"active":true,"filter":[{"field":"updated","op":"gt","value":"${cursor}"}],"max":500,"none":null}`},
		{s.Lookups[0].CreateBody, `{"data":{"attributes":{"name":"${label}","parent-id":"${parent}"},"type":"kinds"}}`},
		{s.Auth.Scheme, plan.AuthBasic},
	}
	for i, c := range checks {
		if c.got != c.want {
			t.Errorf("check %d: got %q, want %q", i, c.got, c.want)
		}
	}
	if len(s.VarRefs) != 4 {
		t.Errorf("want the 4 uses of variables recorded, got %+v", s.VarRefs)
	}
}
