// Package match stages the records of both systems of a sync in DuckDB,
// pairs them set-wise in SQL, keeps the links across runs, turns the
// differences into an ops ledger and publishes every decision as rows
// analysts can query. It is generic: the two sides are "psa" and "doc",
// objects and fields come from the plan (engine/plan).
//
// # A run
//
//	run, _ := match.OpenRun(ctx, match.Config{Dir: syncDir, Sync: "cw_itglue", RunID: id})
//	obj, _ := match.NewObject(objectSync, canonicalType)    // once per object, checks the plan
//	st, _ := run.Stager(ctx, obj, match.PSA)                // per side; pages stream in
//	st.Append(ctx, page)                                    // []match.Row, canonical values
//	st.Close()
//	stats, _ := run.Match(ctx, obj, match.Listing{PSAComplete: true, DocComplete: true})
//	planned, _ := run.Plan(ctx, obj)                        // diff → ops
//	ops, _ := run.Ops(ctx, match.OpFilter{Object: "configuration", Status: match.StatusPlanned})
//	run.RecordResults(ctx, obj, results)                    // after the writes were sent
//	run.Publish(ctx)                                        // results.duckdb + runs/<id>/*.parquet
//	run.Remove()
//
// Objects go in stage order (organizations before what refers to them):
// a ref key is compared in the doc system's id space, translated through
// the links of the referenced object, so those links must exist first.
//
// # Files
//
//	<Dir>/work/<run>.duckdb   scratch database of a run (staging, links, this run's rows)
//	<Dir>/work/<run>.stage-*.csv a Stager's batch not yet inserted (removed by Close; one
//	                          left by a crashed process holds nothing committed: Remove deletes it)
//	<Dir>/results.duckdb      published: current links + history; never held open by the worker
//	<Dir>/runs/<run>/*.parquet links, match_decisions, unmatched, ops of one run
//
// Publishing builds results.tmp.duckdb, checkpoints and closes it, and
// renames it over results.duckdb. Readers open that file read-only
// (OpenResults, `duckdb -readonly`, any DuckDB client); DuckDB allows many
// read-only processes at once, and a reader holding the old file keeps
// reading it. A new run copies the links from it (read-only attach).
//
// # Staging
//
// One table per (sync, object, side), named "stage:<sync>:<object>:<side>",
// with one column per canonical field (see columnType for the types: refs
// are VARCHAR ids of the same system, dates DATE, datetimes TIMESTAMP in
// UTC), and _id, _created, _updated, _raw (the raw JSON record), _invalid
// (JSON {field: reason}: the mapper's rejections and values that did not
// fit their type, staged as NULL) and _scope_reason (NULL = in scope).
// A Stager encodes pages of canonical rows into a CSV spill file beside
// the run database and hands DuckDB the whole batch with one INSERT from
// read_csv (per Flush, per Close, or every 100k rows); a record appended
// twice keeps its last copy. All identifiers are quoted; record values go
// through the spill file or are bound, never spliced into SQL.
//
// # Matching (SQL)
//
// Phase 0 honours existing links: both records leave the pools. A link
// whose psa record is missing from a complete listing, or now out of
// scope, is orphaned (its doc record stays out of the pools); a link whose
// doc record is missing from a complete listing is dropped. An incomplete
// listing orphans nothing. The user controls of the run (SetControls) give
// kept links their states: a disconnected link is neither orphaned nor
// dropped and never paired again; disabled and paused links are diffed
// into skips (docs/lifecycle.md "Link states and controls").
//
// Then, for each rule in order, one phase per narrow field (rule keys +
// that field) and one for the plain rule keys. In each phase:
//
//  1. each side's remaining in-scope records with a usable key (anti join
//     with the pairs so far), the key hashed to 64 bits;
//  2. each side reduced to keys present on the other (semi join);
//  3. both sides numbered within the key by (created, id):
//     row_number() OVER (PARTITION BY key ORDER BY created, id);
//  4. joined on (key, number): the k-th source takes the k-th candidate.
//
// So the earliest created wins among identical matches, a target is
// claimed once, and a duplicate source is never left unmatched while a
// candidate with its key is free (unlike "best candidate per source, then
// best source per target", where a losing source never gets its next
// choice). The hash makes windows and joins integer work; every pair is
// checked on the real key values afterwards and, should two keys ever
// share a hash, the phases are rerun partitioned on the values themselves.
//
// Keys are exact strings, normalised only as the plan asks (mac, lower,
// trim, digits, collapse_space). A key is usable when every ref key holds
// a linked id (scope_by included), the phase's narrow field is not blank,
// and the rule's other keys are not all blank; blank components equal
// each other (an empty Address 2 matches an empty Address 2).
//
// # Result tables
//
// links, match_decisions, unmatched and ops (see schema.go). Every record
// that ends up in no pair has an unmatched row with the reason (out of
// scope, no usable key, unlinked parent, no candidate, all candidates
// claimed) and its action (create, none, not_yet_pushed, excluded); a
// source that lost all its candidates also has a match_decisions row
// naming who claimed them.
//
// # Diff and ops (SQL)
//
// Per linked pair and mapped field: one-way fields write the owner's
// value when the other side differs; two-way fields compare each side
// with its last synced value (links.psa_synced / doc_synced): changed on
// one side → written to the other; changed on both, or never synced →
// the winner's value (the PSA unless the plan says doc). A field is
// written only when the target's current value differs, so an unchanged
// rerun plans nothing. Ref values are compared and written in the
// target's id space. A record missing from an incremental listing counts
// as unchanged (its last synced values). Invalid fields are left out,
// reported as invalid ops. Creates follow create_in_doc / create_in_psa
// (always | confirmed: the doc record waits as a not_yet_pushed link |
// never). Each write op carries an idempotency key: sha256 of (sync,
// object, source id, target side, the new values).
package match
