package bms

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"mapsync/connectors/sandbox/core"
	"mapsync/connectors/sandbox/msp"
)

// BenchmarkAssetPages reads 100-record pages (the cap) of hardware assets
// from a 25,000-asset sandbox over loopback HTTP, one request at a time on
// a keep-alive connection. pages/s is the figure to record.
func BenchmarkAssetPages(b *testing.B) { benchPages(b, "") }

// BenchmarkAssetPagesModifiedOn adds an incremental window that every page
// request evaluates over all records.
func BenchmarkAssetPagesModifiedOn(b *testing.B) {
	benchPages(b, "&Filter.ModifiedOnFrom="+url.QueryEscape("2000-01-01T00:00:00Z"))
}

func benchPages(b *testing.B, filter string) {
	sb := New(Options{RateLimit: -1})
	if err := sb.Seed(msp.Generate(msp.Options{Seed: 1, Companies: 1000})); err != nil {
		b.Fatal(err)
	}
	n := sb.Count("hardwareassets")
	srv, err := core.Start(sb.Handler(), core.ServeOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	hc := srv.Client()
	form := url.Values{"GrantType": {"password"}, "UserName": {DefaultUserName}, "Password": {DefaultPassword}, "Tenant": {sb.Credentials().Tenant}}
	resp, err := hc.Post(srv.URL+Base+"/security/authenticate", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	_, rest, _ := strings.Cut(string(body), `"AccessToken":"`)
	token, _, _ := strings.Cut(rest, `"`)
	pages := (n + MaxPageSize - 1) / MaxPageSize
	b.ResetTimer()
	var bytes int64
	for i := 0; i < b.N; i++ {
		page := i%pages + 1
		req, _ := http.NewRequest("GET", srv.URL+Base+"/servicedesk/hardwareasset?PageSize=100&PageNumber="+strconv.Itoa(page)+filter, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		m, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("page %d: %d", page, resp.StatusCode)
		}
		bytes += m
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
	b.SetBytes(bytes / int64(max(b.N, 1)))
}
