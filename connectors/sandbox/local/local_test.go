package local

import (
	"context"
	"net/http"
	"slices"
	"strings"
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

func TestStartRefusesAnUnknownPSA(t *testing.T) {
	_, err := Start(Options{PSA: "nosuchpsa", Data: msp.Options{Companies: 2}})
	if err == nil || !strings.Contains(err.Error(), `no PSA sandbox named "nosuchpsa"`) || !strings.Contains(err.Error(), DefaultPSA) {
		t.Fatalf("err = %v, want one naming the PSA asked for and the ones there are", err)
	}
	if got := PSANames(); len(got) == 0 || got[0] != DefaultPSA {
		t.Fatalf("PSANames = %v, want the default first", got)
	}
}

// TestStartRunsThePSAAskedFor checks that the PSA adapter named in Options
// is the one served and described (the default when empty).
func TestStartRunsThePSAAskedFor(t *testing.T) {
	for _, name := range PSANames() {
		s, err := Start(Options{PSA: name, Data: msp.Options{Companies: 3}})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := s.PSA().Name; got != name {
			t.Errorf("PSA() = %q, want %q", got, name)
		}
		orgs, err := s.ListRecords(context.Background(), SidePSA, "organization")
		if err != nil {
			t.Errorf("%s: list organizations: %v", name, err)
		} else if len(orgs) != len(s.Data.PSA.Companies) {
			t.Errorf("%s: %d organizations listed, the data set has %d", name, len(orgs), len(s.Data.PSA.Companies))
		}
		s.Close()
	}
}
