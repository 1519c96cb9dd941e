package local

import (
	"net/http"
	"slices"
	"testing"

	"mapsync/connectors/sandbox/msp"
)

func TestStartServesBothSandboxes(t *testing.T) {
	s, err := Start(Options{Data: msp.Options{Companies: 8}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	want := []string{"CW_BASE_URL", "CW_CLIENT_ID", "CW_COMPANY", "CW_PRIVATE_KEY", "CW_PUBLIC_KEY", "ITGLUE_API_KEY", "ITGLUE_BASE_URL"}
	if got := s.EnvNames(); !slices.Equal(got, want) {
		t.Fatalf("EnvNames = %v, want %v", got, want)
	}
	env := s.Env()
	lookup := s.LookupEnv(func(name string) (string, bool) { return "from the process", name == "OTHER" || name == "CW_COMPANY" })
	if v, _ := lookup("CW_COMPANY"); v != env["CW_COMPANY"] {
		t.Errorf("the sandbox's value comes first, got %q", v)
	}
	if v, ok := lookup("OTHER"); !ok || v != "from the process" {
		t.Errorf("other variables come from the fallback, got %q, %v", v, ok)
	}

	cw, _ := http.NewRequest(http.MethodGet, env["CW_BASE_URL"]+"/v4_6_release/apis/3.0/company/companies?pageSize=1", nil)
	cw.SetBasicAuth(env["CW_COMPANY"]+"+"+env["CW_PUBLIC_KEY"], env["CW_PRIVATE_KEY"])
	cw.Header.Set("clientId", env["CW_CLIENT_ID"])
	itg, _ := http.NewRequest(http.MethodGet, env["ITGLUE_BASE_URL"]+"/organizations?page[size]=1", nil)
	itg.Header.Set("x-api-key", env["ITGLUE_API_KEY"])
	for _, req := range []*http.Request{cw, itg} {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: HTTP %d", req.URL, resp.StatusCode)
		}
	}
}
