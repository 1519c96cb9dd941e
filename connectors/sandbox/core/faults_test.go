package core

import (
	"strings"
	"testing"
	"time"
)

func TestParseFaults(t *testing.T) {
	tests := []struct {
		name    string
		spec    string
		wantNil bool
		wantErr string // substring; "" = no error
	}{
		{name: "empty", spec: "", wantNil: true},
		{name: "blank", spec: "  ; ", wantNil: true},
		{name: "global", spec: "5xx=0.1,429=0.05,latency=20ms,timeout_after_commit=0.02"},
		{name: "scoped", spec: "GET /company/configurations:5xx=0.1;POST *:timeout_after_commit=0.02"},
		{name: "route only", spec: "/company/*:429=1"},
		{name: "any method", spec: "* /company/configurations/{id}:500=0.5,retry_after=3"},
		{name: "latency range", spec: "latency=10ms..80ms"},
		{name: "spaces", spec: " 5xx = 0.1 , 429=0 ; PATCH /x : 503=1 "},
		{name: "retry after duration", spec: "429=1,retry_after=1500ms"},
		{name: "bad probability", spec: "5xx=0.1,429=x", wantErr: `at offset 8 ("429=x"): probability "x" is not a number between 0 and 1`},
		{name: "probability above one", spec: "5xx=1.5", wantErr: "between 0 and 1"},
		{name: "unknown kind", spec: "GET /a:teapot=1", wantErr: `at offset 7 ("teapot=1"): unknown fault kind "teapot"`},
		{name: "missing value", spec: "5xx", wantErr: "expected KIND=VALUE"},
		{name: "bad method", spec: "FETCH /a:5xx=1", wantErr: `unknown method "FETCH"`},
		{name: "bad route", spec: "GET company:5xx=1", wantErr: `route "company" must start with '/'`},
		{name: "empty selector", spec: ":5xx=1", wantErr: "empty selector"},
		{name: "selector without faults", spec: "GET /a:", wantErr: "selector without faults"},
		{name: "bad latency", spec: "latency=fast", wantErr: `latency "fast" is not a duration`},
		{name: "bad latency range", spec: "latency=80ms..10ms", wantErr: "needs two durations"},
		{name: "timeout on GET", spec: "GET /a:timeout_after_commit=1", wantErr: "writes only"},
		{name: "second scope offset", spec: "5xx=0.1;POST /a:429=2", wantErr: `at offset 16 ("429=2")`},
		{name: "negative retry", spec: "retry_after=-1", wantErr: "negative"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := ParseFaults(tc.spec)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParseFaults(%q) error = %v, want containing %q", tc.spec, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseFaults(%q): %v", tc.spec, err)
			}
			if (f == nil) != tc.wantNil {
				t.Fatalf("ParseFaults(%q) nil = %v, want %v", tc.spec, f == nil, tc.wantNil)
			}
			if f != nil && f.String() != tc.spec {
				t.Errorf("String() = %q, want %q", f.String(), tc.spec)
			}
		})
	}
}

func TestDecideScopes(t *testing.T) {
	f, err := ParseFaults("429=0;GET /company/configurations:429=1,retry_after=7;POST *:timeout_after_commit=1;/slow/*:latency=5ms")
	if err != nil {
		t.Fatal(err)
	}
	in := NewInjector(1, f)
	tests := []struct {
		method, path, pattern string
		want                  Decision
	}{
		{"GET", "/company/configurations", "/company/configurations", Decision{Status: 429, RetryAfter: 7}},
		{"GET", "/company/configurations/5", "/company/configurations/{id}", Decision{RetryAfter: 1}},
		{"POST", "/company/configurations", "/company/configurations", Decision{RetryAfter: 1, DropAfter: true}},
		{"GET", "/slow/x", "/slow/{id}", Decision{RetryAfter: 1, Latency: 5 * time.Millisecond}},
	}
	for _, tc := range tests {
		if got := in.Decide(tc.method, tc.path, tc.pattern); got != tc.want {
			t.Errorf("Decide(%s %s) = %+v, want %+v", tc.method, tc.path, got, tc.want)
		}
	}
	in.SetFaults(nil)
	if got := in.Decide("GET", "/company/configurations", "/company/configurations"); got != (Decision{}) {
		t.Errorf("after SetFaults(nil): %+v", got)
	}
	var nilInj *Injector
	if got := nilInj.Decide("GET", "/", ""); got != (Decision{}) {
		t.Errorf("nil injector: %+v", got)
	}
}

func TestDecideDeterministic(t *testing.T) {
	f, err := ParseFaults("5xx=0.2,429=0.1,latency=1ms..9ms;POST *:timeout_after_commit=0.3")
	if err != nil {
		t.Fatal(err)
	}
	run := func(seed int64) []Decision {
		in := NewInjector(seed, f)
		var out []Decision
		for i := 0; i < 200; i++ {
			m := "GET"
			if i%3 == 0 {
				m = "POST"
			}
			out = append(out, in.Decide(m, "/a", "/a"))
		}
		return out
	}
	a, b, c := run(42), run(42), run(43)
	counts := map[int]int{}
	same := true
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("seed 42 differs at request %d: %+v vs %+v", i, a[i], b[i])
		}
		if a[i] != c[i] {
			same = false
		}
		counts[a[i].Status]++
	}
	if same {
		t.Error("seeds 42 and 43 gave identical decisions")
	}
	if counts[429] == 0 || counts[0] == 0 || counts[500]+counts[502]+counts[503]+counts[504] == 0 {
		t.Errorf("expected a mix of outcomes, got %v", counts)
	}
}

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		pat, s string
		want   bool
	}{
		{"/a", "/a", true},
		{"/a", "/a/b", false},
		{"/a/*", "/a/b/c", true},
		{"*", "", true},
		{"/a/*/c", "/a/b/c", true},
		{"/a/*/c", "/a/b/d", false},
		{"*/count", "/company/configurations/count", true},
		{"/a*a", "/a", false},
	}
	for _, tc := range tests {
		if got := globMatch(tc.pat, tc.s); got != tc.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", tc.pat, tc.s, got, tc.want)
		}
	}
}
