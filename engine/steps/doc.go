// Package steps holds the steps of one sync run as plain Go functions:
// Extract (one side of one object, page by page into DuckDB), Match, Diff
// (the ops of one object), Apply (the planned ops of a seq range, through
// the ops ledger), Commit (errors file, Publish, cursors) and PrepareRetry.
// A step that fails returns an *Error saying whether trying again can help
// and after how long (the system's Retry-After). The Temporal activities are thin
// wrappers around them, so every step takes a context first, works in bulk,
// can be repeated or resumed, and has small JSON-serialisable inputs and
// outputs (names, counts, cursors), never record payloads: records stay in
// the run's DuckDB file (package match).
//
// A step runs against a Run, which Open builds from a compiled plan: the
// sync's objects, the record mappers of both sides (package records), the
// connectors of both systems and the run's scratch database. Open is cheap
// enough to call once per activity.
//
// Objects run in the order of plan.Sync.Objects (referenced types first):
// a child object (scope_by = its organization) is matched within parents
// already linked, and a record whose parent is out of scope is out of
// scope too. Objects with deferred references (an organization's primary
// location) are diffed once the referenced object is matched; Plan runs
// every diff after every match.
//
// Nothing here names a product: everything comes from the plan.
package steps
