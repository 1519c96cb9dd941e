package itglue

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"mapsync/connectors/sandbox/core"
	"mapsync/connectors/sandbox/msp"
)

// fakeClock is a settable clock for tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// testDataset builds a small deterministic data set by hand (independent of
// msp.Generate): orgs companies with cfgs configurations each, two sites,
// three contacts and a ticket per company.
func testDataset(orgs, cfgs int) *msp.Dataset {
	base := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	d := &msp.Dataset{
		Options: msp.Options{Now: time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)},
		Ref: msp.Reference{
			CompanyTypes:          []string{"Customer", "Prospect", "Vendor"},
			CompanyStatuses:       []string{"Active", "Inactive"},
			ConfigurationTypes:    []string{"Managed Server", "Managed Workstation", "Firewall"},
			ConfigurationStatuses: []string{"Active", "Retired"},
			ContactTypes:          []string{"Technical", "End User"},
			Manufacturers: []msp.Manufacturer{
				{Name: "Dell", Models: []string{"OptiPlex 7010", "PowerEdge R650"}},
				{Name: "Fortinet", Models: []string{"FortiGate 60F"}},
			},
			OperatingSystems: []string{"Windows 11 Pro", "Windows Server 2022 Standard"},
			Countries: []msp.Country{
				{Name: "United States", Code: "US", Regions: []string{"Ohio", "Texas"}},
				{Name: "Canada", Code: "CA", Regions: []string{"Ontario"}},
			},
		},
	}
	types := d.Ref.ConfigurationTypes
	for i := 1; i <= orgs; i++ {
		key := fmt.Sprintf("c%04d", i)
		created := base.Add(time.Duration(i*5) * time.Hour)
		c := msp.Company{
			Key: key, Identifier: fmt.Sprintf("Org%d", i), Name: fmt.Sprintf("Org %04d Ltd", i),
			Type: d.Ref.CompanyTypes[i%3], Status: d.Ref.CompanyStatuses[i%2],
			Created: created, Updated: created.Add(time.Duration(i%7) * 24 * time.Hour),
		}
		for s := 1; s <= 2; s++ {
			c.Sites = append(c.Sites, msp.Site{
				Key: fmt.Sprintf("%s-s%02d", key, s), Name: fmt.Sprintf("Site %d", s), City: []string{"Dayton", "Austin"}[s-1],
				State: []string{"Ohio", "Texas"}[s-1], Country: "United States", Primary: s == 1,
				Created: created, Updated: created,
			})
		}
		for k := 1; k <= 3; k++ {
			c.Contacts = append(c.Contacts, msp.Contact{
				Key: fmt.Sprintf("%s-ct%02d", key, k), FirstName: []string{"Ann", "Bob", "Cy"}[k-1], LastName: fmt.Sprintf("Smith%d", i),
				Title: "IT", Type: d.Ref.ContactTypes[k%2], SiteKey: fmt.Sprintf("%s-s01", key),
				Emails:  []msp.ContactItem{{Value: fmt.Sprintf("c%d.%d@example.com", i, k), Type: "Work", Primary: true}},
				Phones:  []msp.ContactItem{{Value: "555-0100", Type: "Work", Extension: "12", Primary: true}},
				Created: created, Updated: created,
			})
		}
		for j := 1; j <= cfgs; j++ {
			n := (i-1)*cfgs + j
			cf := msp.Configuration{
				Key: fmt.Sprintf("%s-cfg-%03d", key, j), Name: fmt.Sprintf("HOST-%05d", (n*7919)%100000),
				Type: types[n%len(types)], Status: d.Ref.ConfigurationStatuses[n%2],
				SerialNumber: fmt.Sprintf("SN%06d", n), AssetTag: fmt.Sprintf("AT%d", n%50),
				MACAddress: fmt.Sprintf("00:1A:2B:%02X:%02X:%02X", n>>16&0xff, n>>8&0xff, n&0xff),
				IPAddress:  fmt.Sprintf("10.0.%d.%d", n/250%250, n%250+1),
				SiteKey:    fmt.Sprintf("%s-s%02d", key, 1+n%2), ContactKey: fmt.Sprintf("%s-ct01", key),
				Created: created.Add(time.Duration(n%97) * time.Minute), Updated: created.Add(time.Duration(n%1013) * time.Minute),
				InstalledAt: created, WarrantyExpiry: created.AddDate(3, 0, 0),
			}
			if n%2 == 0 {
				cf.Manufacturer, cf.Model, cf.OSType = "Dell", "OptiPlex 7010", "Windows 11 Pro"
			}
			c.Configs = append(c.Configs, cf)
		}
		c.Tickets = []msp.Ticket{{
			Key: key + "-t01", Number: fmt.Sprintf("T%d", 1000+i), Summary: "Printer jam", Board: "Help Desk",
			Status: "New", Priority: "Medium", ContactKey: key + "-ct01", ConfigKeys: []string{key + "-cfg-001"},
			Created: created, Updated: created,
		}}
		d.Doc.Companies = append(d.Doc.Companies, c)
	}
	return d
}

// harness is a running sandbox with a client.
type harness struct {
	t     testing.TB
	sb    *Sandbox
	srv   *core.Server
	key   string
	clock *fakeClock
}

// start seeds a sandbox (d may be nil) and serves it on loopback.
func start(t testing.TB, o Options, d *msp.Dataset) *harness {
	t.Helper()
	h := &harness{t: t}
	if o.Clock == nil {
		h.clock = newFakeClock()
		o.Clock = h.clock.Now
	}
	h.sb = New(o)
	if d != nil {
		if err := h.sb.Seed(d); err != nil {
			t.Fatalf("seed: %v", err)
		}
	}
	srv, err := core.Start(h.sb.Handler(), core.ServeOptions{})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	h.srv = srv
	h.key = h.sb.Credentials().APIKey
	return h
}

// resp is a decoded response.
type resp struct {
	status int
	header http.Header
	raw    []byte
	doc    map[string]any
}

// req sends a request; body "" sends none. Headers are "Name: value"
// strings; a Content-Type of vnd.api+json is added to bodies unless one is
// given, and the API key unless an x-api-key header is given.
func (h *harness) req(method, path, body string, headers ...string) resp {
	h.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r, err := http.NewRequest(method, h.srv.URL+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	r.Header.Set("x-api-key", h.key)
	if body != "" {
		r.Header.Set("Content-Type", mediaType)
	}
	for _, hv := range headers {
		k, v, _ := strings.Cut(hv, ":")
		r.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	res, err := h.srv.Client().Do(r)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	out := resp{status: res.StatusCode, header: res.Header, raw: raw}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out.doc); err != nil {
			h.t.Fatalf("%s %s: body is not JSON: %v\n%s", method, path, err, raw)
		}
	}
	return out
}

func (h *harness) get(path string) resp { h.t.Helper(); return h.req("GET", path, "") }

// mustStatus fails unless r has the status.
func (r resp) mustStatus(t testing.TB, want int) resp {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d; body %s", r.status, want, r.raw)
	}
	return r
}

func (r resp) list() []map[string]any {
	arr, _ := r.doc["data"].([]any)
	out := make([]map[string]any, 0, len(arr))
	for _, e := range arr {
		out = append(out, e.(map[string]any))
	}
	return out
}

func (r resp) one() map[string]any {
	m, _ := r.doc["data"].(map[string]any)
	return m
}

func (r resp) meta() map[string]any {
	m, _ := r.doc["meta"].(map[string]any)
	return m
}

func (r resp) errors() []map[string]any {
	arr, _ := r.doc["errors"].([]any)
	var out []map[string]any
	for _, e := range arr {
		out = append(out, e.(map[string]any))
	}
	return out
}

func attrs(obj map[string]any) map[string]any {
	a, _ := obj["attributes"].(map[string]any)
	return a
}

func idOf(obj map[string]any) string {
	s, _ := obj["id"].(string)
	return s
}

// all pages through a list path (which must not carry page params) and
// returns every record.
func (h *harness) all(path string) []map[string]any {
	h.t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	var out []map[string]any
	for page := 1; ; page++ {
		r := h.get(fmt.Sprintf("%s%spage[size]=1000&page[number]=%d", path, sep, page)).mustStatus(h.t, 200)
		out = append(out, r.list()...)
		if r.meta()["next-page"] == nil {
			return out
		}
	}
}

// ids lists the ids of resource objects.
func ids(objs []map[string]any) []string {
	out := make([]string, len(objs))
	for i, o := range objs {
		out[i] = idOf(o)
	}
	return out
}

// readTestdata returns a file under testdata/.
func readTestdata(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// firstID returns the id of the first record of a list path.
func (h *harness) firstID(path string) string {
	h.t.Helper()
	l := h.get(path).mustStatus(h.t, 200).list()
	if len(l) == 0 {
		h.t.Fatalf("%s: no records", path)
	}
	return idOf(l[0])
}

func compactJSON(t testing.TB, b []byte) string {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}
