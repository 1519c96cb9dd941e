package itglue

import (
	"fmt"
	"io"
	"net/http"
	"testing"

	"mapsync/connectors/sandbox/core"
)

// BenchmarkConfigurationPages reads 1000-record pages of configurations
// from a 25,000-configuration sandbox over loopback HTTP (keep-alive, one
// client), cycling through all 25 pages. It reports pages/s and MB/s.
//
//	go test ./connectors/sandbox/itglue -run '^$' -bench ConfigurationPages -benchtime 3s
func BenchmarkConfigurationPages(b *testing.B) {
	sb := New(Options{Budget: -1})
	if err := sb.Seed(testDataset(250, 100)); err != nil {
		b.Fatal(err)
	}
	if n := sb.Count("configurations"); n != 25_000 {
		b.Fatalf("seeded %d configurations", n)
	}
	srv, err := core.Start(sb.Handler(), core.ServeOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	client := srv.Client()
	key := sb.Credentials().APIKey

	read := func(b *testing.B, url string) int {
		req, err := http.NewRequest("GET", url, nil)
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("x-api-key", key)
		res, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if err != nil || res.StatusCode != 200 {
			b.Fatalf("status %d, %v", res.StatusCode, err)
		}
		return int(n)
	}
	cases := []struct {
		name, query string
		cold        bool // invalidate every cached rendering before each page
	}{
		{"id order", "", false},
		{"sort=-updated_at", "&sort=-updated_at", false},
		{"filter by type", "&filter[configuration_type_id]=40002", false},
		{"cold render", "", true},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			read(b, srv.URL+"/configurations?page[size]=1000"+tc.query) // warm up
			bytes, i := 0, 0
			for b.Loop() {
				if tc.cold {
					sb.st.mu.Lock()
					sb.st.gen++ // what a rename of an organization or type does
					sb.st.mu.Unlock()
				}
				bytes += read(b, fmt.Sprintf("%s/configurations?page[size]=1000&page[number]=%d%s", srv.URL, i%25+1, tc.query))
				i++
			}
			secs := b.Elapsed().Seconds()
			b.ReportMetric(float64(i)/secs, "pages/s")
			b.ReportMetric(float64(bytes)/secs/1e6, "MB/s")
		})
	}
}
