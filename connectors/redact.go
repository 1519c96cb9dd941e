package connectors

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"sort"
	"strings"
	"sync"
)

// redactedMark replaces a secret in messages.
const redactedMark = "[REDACTED]"

// minSecretLen keeps very short values (which would mangle every message)
// out of the redaction set; no real credential is that short.
const minSecretLen = 4

// redactor holds the secret values seen by one client and removes them,
// and their common encodings, from any text.
type redactor struct {
	mu      sync.RWMutex
	secrets map[string]struct{}
	repl    *strings.Replacer
}

func newRedactor() *redactor {
	return &redactor{secrets: map[string]struct{}{}}
}

// add registers a secret value. Its JSON-escaped, URL-encoded and base64
// forms are registered too, so the value is caught however it was printed.
func (r *redactor) add(values ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	changed := false
	for _, v := range values {
		if len(v) < minSecretLen {
			continue
		}
		forms := []string{v, url.QueryEscape(v), url.PathEscape(v), base64.StdEncoding.EncodeToString([]byte(v))}
		if b, err := json.Marshal(v); err == nil {
			forms = append(forms, string(b[1:len(b)-1]))
		}
		for _, f := range forms {
			if _, ok := r.secrets[f]; !ok && len(f) >= minSecretLen {
				r.secrets[f] = struct{}{}
				changed = true
			}
		}
	}
	if changed {
		r.rebuild()
	}
}

func (r *redactor) rebuild() {
	list := make([]string, 0, len(r.secrets))
	for s := range r.secrets {
		list = append(list, s)
	}
	// Longest first so a secret containing another is replaced whole.
	sort.Slice(list, func(i, j int) bool { return len(list[i]) > len(list[j]) })
	pairs := make([]string, 0, 2*len(list))
	for _, s := range list {
		pairs = append(pairs, s, redactedMark)
	}
	r.repl = strings.NewReplacer(pairs...)
}

// redact returns s without any registered secret.
func (r *redactor) redact(s string) string {
	r.mu.RLock()
	repl := r.repl
	r.mu.RUnlock()
	if repl == nil {
		return s
	}
	return repl.Replace(s)
}
