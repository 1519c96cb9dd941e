package match

// The result tables. The scratch database of a run and the published
// results database have the same tables; the scratch one holds only the
// current run's rows of the history tables (match_decisions, unmatched,
// ops) and the current links, and publishing appends them to the history.
//
// Every decision is a row:
//
//   - links: one row per pair (or per record waiting for a push), with the
//     last synced value of each field on each side, as JSON objects
//     {field: value}, each side in its own id space (ref fields hold that
//     system's ids). That memory makes reruns incremental and two-way diffs
//     possible.
//   - match_decisions: how each link of the run came about (phase 0 =
//     existing link: every link in a full run, the links of the listed
//     records and the controlled ones in an incremental run; then one row per narrowing phase that paired records),
//     and the sources that lost: candidates existed but all were claimed,
//     with who claimed them.
//   - unmatched: every record that is not in a pair, with the reason and
//     what happens to it (create, none, not_yet_pushed, excluded).
//   - ops: the intended writes (create, update, orphan) and the notes that
//     are not writes (skip, invalid), with an idempotency key.
var resultTables = []struct{ name, ddl string }{
	{"links", `CREATE TABLE IF NOT EXISTS links (
	sync             VARCHAR NOT NULL,
	object           VARCHAR NOT NULL,
	psa_id           VARCHAR,          -- NULL for a doc record waiting to be pushed
	doc_id           VARCHAR,
	state            VARCHAR NOT NULL, -- syncing | orphaned | sync_disabled | error | paused | disconnected | not_yet_pushed
	rule             VARCHAR,          -- the rule (or 'created') that made the link
	reason           VARCHAR,          -- why the state: orphan reason, last error message
	first_linked_run VARCHAR,
	last_run         VARCHAR,          -- last run that looked at the link (listed a record of it, or changed its state)
	state_run        VARCHAR,          -- run in which the state last changed
	psa_synced       JSON,             -- {field: last synced value on the psa side}
	doc_synced       JSON,             -- {field: last synced value on the doc side}
	seen_updated     TIMESTAMP,        -- not_yet_pushed: the doc record's updated time when first seen waiting
	seen_values      VARCHAR           -- not_yet_pushed: fingerprint of the values a user's edit would change, when first seen waiting
)`},
	{"match_decisions", `CREATE TABLE IF NOT EXISTS match_decisions (
	run         VARCHAR NOT NULL,
	sync        VARCHAR NOT NULL,
	object      VARCHAR NOT NULL,
	outcome     VARCHAR NOT NULL, -- linked | matched | lost | orphaned | dropped
	source_side VARCHAR NOT NULL, -- the side whose records claim candidates
	psa_id      VARCHAR,
	doc_id      VARCHAR,
	rule        VARCHAR,
	phase       VARCHAR,          -- 'link' for existing links, else rule[+narrow field]
	phase_no    INTEGER,          -- 0 for existing links, then in run order
	rank        INTEGER,          -- k: the k-th source of its key group (by created, id) took the k-th candidate
	candidates  INTEGER,          -- candidates sharing the key in that phase
	sources     INTEGER,          -- sources sharing the key in that phase
	passed_over JSON,             -- [{id, claimed_by, how}] candidates this source did not get (first 10)
	reason      VARCHAR
)`},
	{"unmatched", `CREATE TABLE IF NOT EXISTS unmatched (
	run    VARCHAR NOT NULL,
	sync   VARCHAR NOT NULL,
	object VARCHAR NOT NULL,
	side   VARCHAR NOT NULL,
	id     VARCHAR NOT NULL,
	reason VARCHAR NOT NULL,
	action VARCHAR NOT NULL -- create | none | not_yet_pushed | excluded
)`},
	{"ops", `CREATE TABLE IF NOT EXISTS ops (
	run         VARCHAR NOT NULL,
	sync        VARCHAR NOT NULL,
	object      VARCHAR NOT NULL,
	seq         BIGINT NOT NULL,  -- order within the run
	op          VARCHAR NOT NULL, -- create | update | orphan | skip | invalid
	target_side VARCHAR NOT NULL,
	target_id   VARCHAR,          -- NULL for a create until it is applied
	source_side VARCHAR NOT NULL,
	source_id   VARCHAR,
	fields      JSON,             -- {field: {old, new}}; for invalid: {field: {reason}}
	after       JSON,             -- {psa: {...}, doc: {...}} synced values once applied
	reason      VARCHAR,
	key         VARCHAR,          -- idempotency key: sha256(sync, object, source id, target side, field values)
	status      VARCHAR NOT NULL, -- planned | sending | applied | failed | rejected | noted
	message     VARCHAR           -- the target system's message for failed/rejected
)`},
	// object_starts: when two-way sync began for an object (the start of
	// its first run that flowed to the psa side, once published): a doc
	// record created after it is new and is pushed (docs/lifecycle.md).
	// Replaced on publish like links, not a history table.
	{"object_starts", `CREATE TABLE IF NOT EXISTS object_starts (
	sync       VARCHAR NOT NULL,
	object     VARCHAR NOT NULL,
	started_at TIMESTAMP NOT NULL,
	run        VARCHAR NOT NULL
)`},
	// controls: the user controls each object's links were given their
	// states by in the last run that matched the object (the controls
	// file, syncs/<sync>/controls.json, holds the current ones).
	{"controls", `CREATE TABLE IF NOT EXISTS controls (
	sync        VARCHAR NOT NULL,
	object      VARCHAR NOT NULL, -- the object whose links it applied to
	kind        VARCHAR NOT NULL, -- pause | disable | disconnect
	all_objects BOOLEAN NOT NULL, -- a pause of every object
	side        VARCHAR,          -- psa | doc: whose id id is (disable, disconnect)
	id          VARCHAR,
	type        VARCHAR,          -- a pause's record type (NULL = any)
	set_at      TIMESTAMP         -- when the user set it
)`},
	{"runs", `CREATE TABLE IF NOT EXISTS runs (
	run          VARCHAR NOT NULL,
	sync         VARCHAR NOT NULL,
	started_at   TIMESTAMP,
	published_at TIMESTAMP
)`},
}

// scratchTables live only in a run's scratch database, never published.
//
//   - ledger_sends: when each op was first sent and how many times (the
//     apply step's ledger, with the "sending" op status): the lookup of a
//     create whose response was lost lists the target from then on.
var scratchTables = []struct{ name, ddl string }{
	{"ledger_sends", `CREATE TABLE IF NOT EXISTS ledger_sends (
	run        VARCHAR NOT NULL,
	key        VARCHAR NOT NULL,
	first_sent TIMESTAMP NOT NULL,
	attempts   INTEGER NOT NULL,
	PRIMARY KEY (run, key)
)`},
	// field_warnings: every field this run left out of a write, and why
	// (mapper rejections, target-side refusals); RecordWarnings folds them
	// into the sync's warnings file.
	{"field_warnings", `CREATE TABLE IF NOT EXISTS field_warnings (
	run         VARCHAR NOT NULL,
	object      VARCHAR NOT NULL,
	kind        VARCHAR NOT NULL, -- read: the source value was rejected | write: the target cannot take it
	source_side VARCHAR NOT NULL,
	source_id   VARCHAR NOT NULL,
	target_side VARCHAR NOT NULL,
	target_id   VARCHAR,
	field       VARCHAR NOT NULL,
	value       VARCHAR,          -- the source's value, JSON text
	reason      VARCHAR NOT NULL,
	name        VARCHAR           -- the source record's display name
)`},
	// links_start: the links as the run found them (ids and state only),
	// the mass-change guard's "before".
	{"links_start", `CREATE TABLE IF NOT EXISTS links_start (
	object VARCHAR NOT NULL,
	psa_id VARCHAR,
	doc_id VARCHAR,
	state  VARCHAR NOT NULL,
	psa_keys VARCHAR[], -- fields with a memory on each side
	doc_keys VARCHAR[]
)`},
}

// currentTables are replaced on publish (this sync's rows); a run starts
// from the published ones.
var currentTables = []string{"links", "controls", "object_starts"}

// historyTables are appended to on publish; links is replaced.
var historyTables = []string{"match_decisions", "unmatched", "ops", "runs"}

const metaDDL = `CREATE TABLE IF NOT EXISTS _meta (key VARCHAR PRIMARY KEY, value VARCHAR)`

// Link states.
const (
	StateSyncing      = "syncing"
	StateOrphaned     = "orphaned"
	StateSyncDisabled = "sync_disabled"
	StateError        = "error"
	StatePaused       = "paused"
	StateDisconnected = "disconnected"
	StateNotYetPushed = "not_yet_pushed"
)

// Op kinds and statuses.
const (
	OpCreate  = "create"
	OpUpdate  = "update"
	OpOrphan  = "orphan"
	OpSkip    = "skip"
	OpInvalid = "invalid"

	StatusPlanned  = "planned"
	StatusApplied  = "applied"
	StatusFailed   = "failed"   // retryable failure; the op stays due
	StatusRejected = "rejected" // the target refused the record (validation)
	StatusNoted    = "noted"    // skip and invalid rows: nothing to send
	// StatusSending marks an op whose request is (or was) on its way and
	// whose outcome is not recorded yet: set and committed before the
	// request goes out. A create found "sending" is looked up on the target
	// before it is created again.
	StatusSending = "sending"
)
