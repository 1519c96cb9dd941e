package workflows

import (
	"time"

	"mapsync/engine/match"
	"mapsync/engine/steps"
)

// Names other processes (the CLI, schedules) use to reach the worker.
const (
	// TaskQueue is the queue every mapsync worker serves: workflows and the
	// activities that do not touch a run's DuckDB file.
	TaskQueue = "mapsync"
	// SyncRunName and RetryOpsName are the registered workflow types.
	SyncRunName  = "SyncRun"
	RetryOpsName = "RetryOps"
	// ProgressQuery returns the Progress of a running SyncRun.
	ProgressQuery = "progress"
)

// Run modes.
const (
	ModeIncremental = "incremental" // changed-since listings from the stored cursors
	ModeFull        = "full"        // list everything; the only way deletions are found
)

// Sides of a sync (the match package's names).
const (
	SidePSA = "psa"
	SideDoc = "doc"
)

// SyncInput starts one run of one sync. It holds references only: the plan
// is loaded by hash from the worker's plan store.
type SyncInput struct {
	Sync     string `json:"sync"`
	PlanHash string `json:"plan_hash"`
	Mode     string `json:"mode"` // incremental (default) | full
	DryRun   bool   `json:"dry_run,omitempty"`
	// RunID names the run's DuckDB rows and files; "" = the workflow run id.
	RunID string `json:"run_id,omitempty"`
	// Tuning overrides defaults; the zero value is the production setting.
	Tuning Tuning `json:"tuning,omitempty"`
	// Guard overrides the mapping's mass-change guard for this run
	// (--max-change, --allow-mass-change).
	Guard steps.GuardOptions `json:"guard,omitzero"`
	// Objects limits the run to these objects (nil = every enabled
	// object). Links of the others are carried over unchanged and their
	// cursors do not move.
	Objects []string `json:"objects,omitempty"`
	// PushAll lists objects whose waiting documentation records this run
	// pushes to the PSA, as if each was confirmed (mapsync push-all).
	PushAll []string `json:"push_all,omitempty"`
	// Records makes a record run: only these records and their linked
	// counterparts are listed (by id where the system's filter dialect
	// can), only their objects run (unless Objects says otherwise), and no
	// cursor moves. Nothing is orphaned: such listings are never complete.
	Records []RecordRef `json:"records,omitempty"`
}

// RecordRef names one record of one object on one side.
type RecordRef = steps.RecordRef

// Tuning holds the knobs of a run. Zero fields take defaults.
type Tuning struct {
	ApplyBatch    int `json:"apply_batch,omitempty"`    // ops per Apply activity (default 500)
	ApplyParallel int `json:"apply_parallel,omitempty"` // Apply activities in flight per object (default 2)
	// HeartbeatTimeout: an activity that stops heartbeating this long is
	// retried (default 60s).
	HeartbeatTimeout time.Duration `json:"heartbeat_timeout,omitempty"`
	// WorkerLostAfter: an activity that no worker starts this long after it
	// was scheduled on the run's worker queue means the worker is gone; the
	// run then starts again on another worker (default 10m).
	WorkerLostAfter time.Duration `json:"worker_lost_after,omitempty"`
	// RetryInitial and RetryMax bound the backoff between activity
	// attempts when the system gave no Retry-After (defaults 1s, 1m).
	RetryInitial time.Duration `json:"retry_initial,omitempty"`
	RetryMax     time.Duration `json:"retry_max,omitempty"`
	// MaxAttempts per activity (default 25).
	MaxAttempts int32 `json:"max_attempts,omitempty"`
}

func (t Tuning) withDefaults() Tuning {
	if t.ApplyBatch <= 0 {
		t.ApplyBatch = 500
	}
	if t.ApplyParallel <= 0 {
		t.ApplyParallel = 2
	}
	if t.HeartbeatTimeout <= 0 {
		t.HeartbeatTimeout = time.Minute
	}
	if t.WorkerLostAfter <= 0 {
		t.WorkerLostAfter = 10 * time.Minute
	}
	if t.RetryInitial <= 0 {
		t.RetryInitial = time.Second
	}
	if t.RetryMax <= 0 {
		t.RetryMax = time.Minute
	}
	if t.MaxAttempts <= 0 {
		t.MaxAttempts = 25
	}
	return t
}

// RunRef is what every activity of a run is told: enough to find the plan,
// the run's DuckDB file and the sync's directory.
type RunRef struct {
	Sync     string `json:"sync"`
	PlanHash string `json:"plan_hash"`
	RunID    string `json:"run_id"`
	Mode     string `json:"mode"`
	DryRun   bool   `json:"dry_run,omitempty"` // plan only: nothing is written or published
	// Objects limits the run to these objects (SyncInput.Objects).
	Objects []string `json:"objects,omitempty"`
	// PushAll is SyncInput.PushAll.
	PushAll []string `json:"push_all,omitempty"`
	// Records makes a record run (SyncInput.Records).
	Records []RecordRef `json:"records,omitempty"`
}

// Prepared is Prepare's answer.
type Prepared struct {
	// TaskQueue is the queue of the worker that holds the run's DuckDB file.
	TaskQueue string      `json:"task_queue"`
	Objects   []ObjectRef `json:"objects"` // enabled objects, in stage order
	Disabled  []string    `json:"disabled,omitempty"`
	// Deferred lists, in stage order, the objects of the run with
	// deferred references (steps.Run.Deferred): each gets a DiffDeferred
	// and an apply once every stage has applied.
	Deferred []string `json:"deferred,omitempty"`
	// Since holds the changed-since cursor of each (object, side) in
	// incremental mode; a missing entry lists everything.
	Since map[string]time.Time `json:"since,omitempty"`
}

// ObjectRef names one object stage.
type ObjectRef struct {
	Name  string `json:"name"`
	Stage int    `json:"stage"`
}

// CursorKey is the key of Prepared.Since and of the cursor store.
func CursorKey(object, side string) string { return object + "/" + side }

// ExtractInput asks for one side of one object.
type ExtractInput struct {
	Run    RunRef    `json:"run"`
	Object string    `json:"object"`
	Side   string    `json:"side"`
	Since  time.Time `json:"since,omitempty"` // zero = list everything
	// Records limits the listing to these records of the object and their
	// linked counterparts (a record run).
	Records []RecordRef `json:"records,omitempty"`
	// RunStart is when the run started (workflow time): the clock of the
	// sweep of a nested listing.
	RunStart time.Time `json:"run_start,omitzero"`
}

// ExtractResult counts one side's listing.
type ExtractResult struct {
	Side     string `json:"side"`
	Records  int64  `json:"records"`
	Pages    int64  `json:"pages"`
	Complete bool   `json:"complete"` // a full listing that reached the end
	// Cursor is the changed-since value to store once the run commits.
	Cursor time.Time `json:"cursor"`
	// Sweep is where the sweep of a nested listing stands, to store with
	// the cursor (nil: nothing to store).
	Sweep    *steps.Sweep `json:"sweep,omitempty"`
	Requests int64        `json:"requests"`
}

// MatchInput asks to match and diff one object.
type MatchInput struct {
	Run         RunRef `json:"run"`
	Object      string `json:"object"`
	PSAComplete bool   `json:"psa_complete"`
	DocComplete bool   `json:"doc_complete"`
	ApplyBatch  int    `json:"apply_batch"`
	// Guard is the run's override of the mass-change guard.
	Guard steps.GuardOptions `json:"guard,omitzero"`
}

// MatchResult counts what matching and the diff decided, and cuts the
// planned writes into batches.
type MatchResult struct {
	Linked   int64      `json:"linked"`
	Matched  int64      `json:"matched"`
	Orphaned int64      `json:"orphaned"`
	Planned  OpCounts   `json:"planned"`
	Batches  []SeqRange `json:"batches"`
	Requests int64      `json:"requests"` // every attempt's (lookup tables read to check the writes)
}

// OpCounts counts ops by kind.
type OpCounts struct {
	Create  int64 `json:"create,omitempty"`
	Update  int64 `json:"update,omitempty"`
	Orphan  int64 `json:"orphan,omitempty"`
	Skip    int64 `json:"skip,omitempty"`
	Invalid int64 `json:"invalid,omitempty"`
}

// Writes is the number of ops that send something.
func (c OpCounts) Writes() int64 { return c.Create + c.Update }

// SeqRange is an inclusive range of op sequence numbers of one run.
type SeqRange = match.SeqRange

// ApplyInput asks to apply the planned ops of one object in a seq range.
type ApplyInput struct {
	Run    RunRef   `json:"run"`
	Object string   `json:"object"`
	Range  SeqRange `json:"range"`
	// MaxAttempts is the retry policy's attempt limit: on the last attempt,
	// ops that still fail retryably are recorded as failed (errors table)
	// instead of failing the run.
	MaxAttempts int32 `json:"max_attempts,omitempty"`
}

// ApplyResult counts the outcome of one batch.
type ApplyResult struct {
	Created  int64 `json:"created"`
	Updated  int64 `json:"updated"`
	Orphaned int64 `json:"orphaned"`
	Adopted  int64 `json:"adopted"`  // lost creates found on the target instead of created again
	Rejected int64 `json:"rejected"` // record-level failures, rejected or given up (errors table)
	Requests int64 `json:"requests"`
}

func (a *ApplyResult) add(b ApplyResult) {
	a.Created += b.Created
	a.Updated += b.Updated
	a.Orphaned += b.Orphaned
	a.Adopted += b.Adopted
	a.Rejected += b.Rejected
	a.Requests += b.Requests
}

// CommitInput ends a run: publish the results and store the cursors.
type CommitInput struct {
	Run     RunRef               `json:"run"`
	Cursors map[string]time.Time `json:"cursors,omitempty"` // CursorKey -> value
	// Sweeps are where the sweeps of nested listings stand, by CursorKey.
	Sweeps map[string]steps.Sweep `json:"sweeps,omitempty"`
	// Failed marks a run that did not finish: the results are published
	// (what was applied is applied) but no cursor moves.
	Failed bool `json:"failed,omitempty"`
}

// CommitResult says where the results are.
type CommitResult struct {
	ResultsFile string `json:"results_file"`
	ParquetDir  string `json:"parquet_dir,omitempty"`
	// Paused and LinkStates describe the sync once published (search
	// attributes MapsyncPaused, MapsyncLinkStates): the active pauses
	// ("object", "object:type", "*" for every object) and the link states
	// present ("object:state").
	Paused     []string `json:"paused,omitempty"`
	LinkStates []string `json:"link_states,omitempty"`
}

// ObjectSummary is what happened to one object in a run.
type ObjectSummary struct {
	Object       string   `json:"object"`
	ExtractedPSA int64    `json:"extracted_psa"`
	ExtractedDoc int64    `json:"extracted_doc"`
	PagesPSA     int64    `json:"pages_psa"`
	PagesDoc     int64    `json:"pages_doc"`
	CompletePSA  bool     `json:"complete_psa"`
	CompleteDoc  bool     `json:"complete_doc"`
	Linked       int64    `json:"linked"`
	Matched      int64    `json:"matched"`
	Planned      OpCounts `json:"planned"`
	Created      int64    `json:"created"`
	Updated      int64    `json:"updated"`
	Orphaned     int64    `json:"orphaned"`
	Adopted      int64    `json:"adopted"`
	Invalid      int64    `json:"invalid"`
	Errors       int64    `json:"errors"`
	Requests     int64    `json:"requests"`
	// Deferred is the deferred-reference pass of the object (references
	// written once the records they name were linked), when it has one.
	Deferred *DeferredSummary `json:"deferred,omitempty"`
}

// DeferredSummary counts an object's deferred-reference pass.
type DeferredSummary struct {
	Planned  OpCounts `json:"planned"`
	Updated  int64    `json:"updated"`
	Errors   int64    `json:"errors"`
	Requests int64    `json:"requests"` // also counted in the object's Requests
}

// DeferredInput asks for the deferred-reference pass of one object.
type DeferredInput struct {
	Run        RunRef `json:"run"`
	Object     string `json:"object"`
	ApplyBatch int    `json:"apply_batch"`
}

// SyncResult is a run's summary.
type SyncResult struct {
	RunID       string          `json:"run_id"`
	Sync        string          `json:"sync"`
	Mode        string          `json:"mode"`
	DryRun      bool            `json:"dry_run,omitempty"`
	PlanHash    string          `json:"plan_hash"`
	Objects     []ObjectSummary `json:"objects"`
	Requests    int64           `json:"requests"`
	ResultsFile string          `json:"results_file,omitempty"`
	Restarts    int             `json:"restarts,omitempty"` // times the run started again on another worker
}

// Progress is what the progress query answers while a run goes on.
type Progress struct {
	Stage   string          `json:"stage"` // prepare | extract | match | apply | commit | done
	Object  string          `json:"object,omitempty"`
	Applied int64           `json:"applied"` // ops applied of the current object
	Planned int64           `json:"planned"` // writes planned for the current object
	Done    []ObjectSummary `json:"done"`
}

// RetryInput re-applies record-level failures of earlier runs: the ops
// listed, or every failed op of a run (or of the sync, when both are empty).
type RetryInput struct {
	Sync     string  `json:"sync"`
	PlanHash string  `json:"plan_hash"`
	RunID    string  `json:"run_id"`             // this retry's own run id ("" = workflow run id)
	FromRun  string  `json:"from_run,omitempty"` // retry the failures of this run
	IDs      []int64 `json:"ids,omitempty"`      // retry these errors (errors.id)
	Tuning   Tuning  `json:"tuning,omitempty"`
}

// RetryPrepared is what PrepareRetry copied into the retry run's ledger.
type RetryPrepared struct {
	Objects []string     `json:"objects"` // objects with ops to retry, in stage order
	Batches [][]SeqRange `json:"batches"` // per object
	Ops     int64        `json:"ops"`
}
