package local

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"mapsync/connectors/sandbox/core"
)

// AdminHandler serves what a benchmark running the sandboxes in another
// process needs from them, as JSON over HTTP (bind it to loopback only:
// /env answers the sandboxes' made-up credentials):
//
//	GET  /env                    the mapping variables that point at the sandboxes
//	GET  /logs                   the request logs ([]core.LogSnapshot, PSA first)
//	POST /logs/reset             empties the request logs
//	POST /changes?n=N&tag=T      ChangeConfigurations(n, tag)
//	POST /budget/reset           forgets the documentation sandbox's budget windows
//	GET  /changed?side=S&object=O&since=RFC3339NANO
//	                             ChangedSince: {"records": N, "parents": M}
func (s *Systems) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /env", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, s.Env()) })
	mux.HandleFunc("GET /logs", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, s.Logs()) })
	mux.HandleFunc("POST /logs/reset", func(w http.ResponseWriter, _ *http.Request) {
		s.ResetLogs()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /budget/reset", func(w http.ResponseWriter, _ *http.Request) {
		s.ITGlue.ResetBudget()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /changed", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		var since time.Time
		if v := q.Get("since"); v != "" {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				http.Error(w, "since: "+err.Error(), http.StatusBadRequest)
				return
			}
			since = t
		}
		records, parents, err := s.ChangedSince(q.Get("side"), q.Get("object"), since)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		writeJSON(w, changedCounts{records, parents})
	})
	mux.HandleFunc("POST /changes", func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(r.URL.Query().Get("n"))
		if err != nil || n < 0 {
			http.Error(w, "n: a count is required", http.StatusBadRequest)
			return
		}
		if err := s.ChangeConfigurations(r.Context(), n, r.URL.Query().Get("tag")); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(v); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

// Remote is the client of an AdminHandler: the sandboxes of another
// process, with the methods of Systems a benchmark uses. Methods that
// return no error keep the first one for Err.
type Remote struct {
	base string
	hc   *http.Client
	env  map[string]string

	mu  sync.Mutex
	err error
}

// DialRemote connects to the AdminHandler at base ("http://127.0.0.1:port")
// and reads the sandboxes' variables.
func DialRemote(ctx context.Context, base string) (*Remote, error) {
	r := &Remote{base: base, hc: &http.Client{Timeout: 10 * time.Minute}}
	if err := r.do(ctx, http.MethodGet, "/env", &r.env); err != nil {
		return nil, err
	}
	return r, nil
}

// LookupEnv is Systems.LookupEnv for the remote sandboxes.
func (r *Remote) LookupEnv(lookup func(string) (string, bool)) func(string) (string, bool) {
	return func(name string) (string, bool) {
		if v, ok := r.env[name]; ok {
			return v, true
		}
		if lookup != nil {
			return lookup(name)
		}
		return "", false
	}
}

// ResetLogs empties the request logs (an error is kept for Err).
func (r *Remote) ResetLogs() { r.keep(r.do(context.Background(), http.MethodPost, "/logs/reset", nil)) }

// ResetBudget forgets the documentation sandbox's budget windows.
func (r *Remote) ResetBudget() {
	r.keep(r.do(context.Background(), http.MethodPost, "/budget/reset", nil))
}

// Logs returns the request logs, PSA first (nil after an error, kept for Err).
func (r *Remote) Logs() []core.LogSnapshot {
	var logs []core.LogSnapshot
	if err := r.do(context.Background(), http.MethodGet, "/logs", &logs); err != nil {
		r.keep(err)
		return nil
	}
	return logs
}

// ChangeConfigurations is Systems.ChangeConfigurations in the other process.
func (r *Remote) ChangeConfigurations(ctx context.Context, n int, tag string) error {
	q := url.Values{"n": {strconv.Itoa(n)}, "tag": {tag}}
	return r.do(ctx, http.MethodPost, "/changes?"+q.Encode(), nil)
}

type changedCounts struct {
	Records int `json:"records"`
	Parents int `json:"parents"`
}

// ChangedSince is Systems.ChangedSince in the other process.
func (r *Remote) ChangedSince(side, object string, since time.Time) (records, parents int, err error) {
	q := url.Values{"side": {side}, "object": {object}}
	if !since.IsZero() {
		q.Set("since", since.UTC().Format(time.RFC3339Nano))
	}
	var c changedCounts
	if err := r.do(context.Background(), http.MethodGet, "/changed?"+q.Encode(), &c); err != nil {
		return 0, 0, err
	}
	return c.Records, c.Parents, nil
}

// Err returns the first error of a method that returns none.
func (r *Remote) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

func (r *Remote) keep(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err == nil {
		r.err = err
	}
}

func (r *Remote) do(ctx context.Context, method, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, r.base+path, nil)
	if err != nil {
		return fmt.Errorf("sandbox admin: %w", err)
	}
	resp, err := r.hc.Do(req)
	if err != nil {
		return fmt.Errorf("sandbox admin: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("sandbox admin: %s %s: HTTP %d: %s", method, path, resp.StatusCode, b)
	}
	if out == nil {
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("sandbox admin: %s %s: %w", method, path, err)
	}
	return nil
}
