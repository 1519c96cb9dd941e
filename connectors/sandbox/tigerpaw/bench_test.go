package tigerpaw

import (
	"fmt"
	"net/http"
	"testing"

	"mapsync/connectors/sandbox/core"
	"mapsync/connectors/sandbox/msp"
)

// BenchmarkSeedAndReadContacts seeds 1000 companies and reads every
// active contact in 500-record pages over loopback.
func BenchmarkSeedAndReadContacts(b *testing.B) {
	d := msp.Generate(msp.Options{Seed: 1, Companies: 1000})
	sb := New(Options{RateLimit: -1})
	srv, err := core.Start(sb.Handler(), core.ServeOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	hc := srv.Client()
	auth := sb.Credentials().Authorization()
	for b.Loop() {
		if err := sb.Seed(d); err != nil {
			b.Fatal(err)
		}
		for page := 1; ; page++ {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+Base+fmt.Sprintf("/contacts?active=true&pageSize=%d&page=%d", MaxPageSize, page), nil)
			req.Header.Set("Authorization", auth)
			resp, err := hc.Do(req)
			if err != nil || resp.StatusCode != 200 {
				b.Fatalf("page %d: %v %v", page, err, resp)
			}
			resp.Body.Close()
			if page*MaxPageSize >= sb.Count(Contacts) {
				break
			}
		}
	}
}
