package engine

import (
	"reflect"
	"testing"

	"mapsync/engine/plan"
)

// An object's and a lookup's envelope blocks are merged over the system's
// attribute by attribute; create and update blocks reach the plan and lay
// over the write style's preset; the auth blocks compile whole.
func TestCompileWireDeclarations(t *testing.T) {
	l := LoadDir("../testdata/mappings/valid/wire_shapes")
	if l.Diags.HasErrors() {
		t.Fatal(l.Diags)
	}
	sys := map[string]plan.System{}
	for _, s := range l.Plan.Systems {
		sys[s.Name] = s
	}
	psa, crm := sys["psa"], sys["crm"]
	obj := func(s plan.System, name string) plan.Object {
		for _, o := range s.Objects {
			if o.Name == name {
				return o
			}
		}
		t.Fatalf("no object %s", name)
		return plan.Object{}
	}
	contact, site := obj(psa, "contact"), obj(psa, "organization")
	wantEnv := plan.Envelope{Items: "Result.Rows", Item: "Result", Success: "Success", Status: "StatusCode", ErrorMessage: []string{"Error.Message"}}
	if contact.Envelope == nil || !reflect.DeepEqual(*contact.Envelope, wantEnv) {
		t.Errorf("contact envelope %+v", contact.Envelope)
	}
	if p := contact.Paging; p == nil || p.Style != plan.PagingPageNumber || p.TotalCount != "Result.Count" || p.Size != 50 {
		t.Errorf("contact paging %+v", contact.Paging)
	}
	if rl := contact.RateLimit; rl == nil || rl.Concurrency != 3 || rl.WindowRequests != 1500 || site.RateLimit != nil {
		t.Errorf("contact rate limit %+v, organization %+v", contact.RateLimit, site.RateLimit)
	}
	if site.Paging != nil || psa.Paging.Style != plan.PagingBody {
		t.Errorf("organization paging %+v, system %+v", site.Paging, psa.Paging)
	}
	if p := psa.Lookups[0].Paging; p == nil || p.Style != plan.PagingNone {
		t.Errorf("lookup paging %+v", p)
	}
	if site.Envelope != nil {
		t.Errorf("organization has its own envelope: %+v", site.Envelope)
	}
	if e := psa.Lookups[0].Envelope; e == nil || e.Items != "values" || e.Item != "item" {
		t.Errorf("lookup envelope %+v: items replaced, item kept", e)
	}
	if got := contact.CreateShape(); got.Method != "POST" || got.Path != "/contacts" || got.Body != plan.BodyArray {
		t.Errorf("contact create %+v", got)
	}
	if got := contact.UpdateShape(); got.Method != "POST" || got.Path != "/contacts" || got.Body != plan.BodyArray || !got.Reread {
		t.Errorf("contact update %+v", got)
	}
	if got := site.UpdateShape(); got.Method != "PATCH" || got.Path != "/sites" || got.Body != plan.BodyPartial {
		t.Errorf("organization update (the partial_patch preset) %+v", got)
	}
	acc := obj(crm, "organization")
	if got := acc.UpdateShape(); got.Method != "PUT" || got.Path != "/accounts/{id}" || got.Body != "object:account" || got.Item == nil || *got.Item != "account" {
		t.Errorf("crm update %+v", got)
	}
	if o := psa.Auth.OAuth2; psa.Auth.Scheme != plan.AuthOAuth2 || o == nil || o.TokenURL != "${var.idp_url}/connect/token" ||
		o.ClientSecret != "${var.psa_client_secret}" || len(o.Scopes) != 2 || o.Params["audience"] != "psa" || o.Credentials != "basic" {
		t.Errorf("oauth2 %+v", psa.Auth.OAuth2)
	}
	if tl := crm.Auth.Token; tl == nil || tl.URL != "${var.idp_url}/oauth/token" || tl.Path != "" || tl.Refresh == nil ||
		tl.Refresh.TokenPath != "refresh_token" || tl.Refresh.Fields["refresh_token"] != "${refresh_token}" {
		t.Errorf("token login %+v", crm.Auth.Token)
	}
}
