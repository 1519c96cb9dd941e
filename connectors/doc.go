// Package connectors is the runtime for declarative REST systems: it executes
// what a plan.System declares (auth, discovery, paging, envelopes, filter
// dialects, write formats, bulk routes, rate limits and retries) against the
// real wire protocol. Nothing here knows a product by name: every difference
// between systems is data in the plan.
//
// A Client is built per system with New. Reads stream page by page (List),
// so nothing holds a whole system in memory; each Page carries the Cursor of
// the next page so an interrupted extraction resumes where it stopped.
// Writes return one WriteResult per record, so one bad record never sinks a
// batch; a create whose response was lost is reported StatusAmbiguous rather
// than retried into a duplicate.
//
// Retries run on hashicorp/go-retryablehttp with this package's policy
// (429, 5xx and network errors retry; Retry-After is honoured; otherwise
// exponential backoff with jitter) and an injectable Clock, so tests never
// sleep. Secrets (passwords, auth headers, tokens, sensitive variables) are
// redacted from every error and log line.
package connectors
