package local

import (
	"context"
	"net/http"

	"mapsync/connectors/sandbox/itglue"
	"mapsync/connectors/sandbox/msp"
)

// PSARequest sends one request to the PSA sandbox's HTTP API the way a
// user's tool would (path below the API base, e.g. "/company/states"),
// decoding the answer into out when it is not nil.
func (s *Systems) PSARequest(ctx context.Context, method, path string, body, out any) error {
	return s.psa.request(ctx, method, path, body, out)
}

// DocRequest sends one request to the documentation sandbox's HTTP API
// (e.g. "/contacts/12"), decoding the answer into out when it is not nil.
func (s *Systems) DocRequest(ctx context.Context, method, path string, body, out any) error {
	h := http.Header{itglue.APIKeyHeader: {s.ITGlue.Credentials().APIKey}, "Content-Type": {"application/vnd.api+json"}}
	return send(ctx, method, s.itgServer.URL+path, h, body, out)
}

// SyncedCompany is an active customer with configurations and contacts
// that exists on both sides (so it is linked after the first sync).
func (s *Systems) SyncedCompany() (msp.Company, error) { return s.demoCompany() }
