package connectwise

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"mapsync/connectors/sandbox/core"
	"mapsync/connectors/sandbox/msp"
)

// BenchmarkConfigurationPages reads 1000-record pages of configurations
// from a 25,000-configuration sandbox over loopback HTTP, one request at a
// time with a keep-alive connection, like a sync engine's extract step.
// pages/s is the figure to record; MB/s counts response bytes.
func BenchmarkConfigurationPages(b *testing.B) { benchPages(b, "") }

// BenchmarkConfigurationPagesConditions is the same with a conditions
// filter that every page request evaluates over all 25,000 records.
func BenchmarkConfigurationPagesConditions(b *testing.B) {
	benchPages(b, `type/name != "Personal Device" and _info/lastUpdated > [2000-01-01T00:00:00Z]`)
}

func benchPages(b *testing.B, conditions string) {
	sb := New(Options{})
	if err := sb.Seed(msp.Generate(msp.Options{Seed: 1, Companies: 1000})); err != nil {
		b.Fatal(err)
	}
	n := sb.Count("configurations")
	if n < 25000 {
		b.Fatalf("only %d configurations", n)
	}
	srv, err := core.Start(sb.Handler(), core.ServeOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	hc := srv.Client()
	c := sb.Credentials()
	query := ""
	if conditions != "" {
		query = "&conditions=" + url.QueryEscape(conditions)
		var cnt struct{ Count int }
		req, _ := http.NewRequest("GET", srv.URL+Base+"/company/configurations/count?"+query[1:], nil)
		req.Header.Set("Authorization", c.Authorization())
		req.Header.Set("clientId", c.ClientID)
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		if err := json.NewDecoder(resp.Body).Decode(&cnt); err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		n = cnt.Count
	}
	pages := (n + MaxPageSize - 1) / MaxPageSize
	get := func(page int) int64 {
		req, _ := http.NewRequest("GET", srv.URL+Base+"/company/configurations?pageSize=1000&page="+strconv.Itoa(page)+query, nil)
		req.Header.Set("Authorization", c.Authorization())
		req.Header.Set("clientId", c.ClientID)
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		nb, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("page %d: %d %v", page, resp.StatusCode, err)
		}
		return nb
	}
	// Warm the render cache as a long-running sandbox would be.
	var bytes int64
	for p := 1; p <= pages; p++ {
		bytes += get(p)
	}
	b.SetBytes(bytes / int64(pages))
	b.ResetTimer()
	i := 0
	for b.Loop() {
		get(i%pages + 1)
		i++
	}
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "pages/s")
}

// BenchmarkConditionsMatch evaluates an incremental-sync filter on every
// configuration of a 25,000-configuration sandbox, in process: the cost
// of the first (uncached) request of a filtered query.
func BenchmarkConditionsMatch(b *testing.B) {
	sb := New(Options{})
	if err := sb.Seed(msp.Generate(msp.Options{Seed: 1, Companies: 1000})); err != nil {
		b.Fatal(err)
	}
	cond, err := ParseConditions(`lastUpdated > [2025-12-01T00:00:00Z] and type/name != "Personal Device"`)
	if err != nil {
		b.Fatal(err)
	}
	res := sb.byName["configurations"]
	cond.Rewrite(func(p []string) []string { np, _ := resolvePath(res, p); return np })
	recs := res.table.All()
	matched := 0
	for b.Loop() {
		matched = 0
		for _, r := range recs {
			if cond.Match(r.Data) {
				matched++
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(recs)), "ns/record")
	if matched == 0 || matched == len(recs) {
		b.Fatalf("filter matched %d of %d", matched, len(recs))
	}
}
