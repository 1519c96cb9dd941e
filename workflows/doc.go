// Package workflows runs sync runs durably on Temporal.
//
// SyncRun is one run of one sync: for each object stage of the plan, in
// stage order, it extracts both systems (two parallel activities, page by
// page, heartbeating the connector cursor so a retried attempt resumes where
// the last one stopped), matches and diffs in DuckDB, applies the planned
// writes in batches (never one activity per record) and finally commits:
// publishes the results file and stores the changed-since cursors.
//
// Workflow code only orders activities and adds up counts; every payload is a
// reference (sync name, plan hash, run id, op sequence ranges) or a count,
// never record data or a secret. The plan itself is stored content-addressed
// by the worker (PlanStore) and loaded by hash in each activity, so a retry
// or a replay uses the mapping version the run started with.
//
// The activities of one run share a DuckDB file (the run's scratch
// database), so after Prepare every activity of a run goes to a task queue
// that only the worker which picked the run serves (worker-specific task
// queue). A worker restarted on the same data directory serves the same
// queue again and the run goes on; a run whose worker does not come back
// starts again from the systems on another worker.
//
// Each activity opens the run (package steps) and calls one step; the
// write path itself is steps.Run.Apply, with its ledger in package match.
// Durable writes: every op is a row of the run's ops ledger before it is
// sent, with an idempotency key; Apply marks each op "sending" before the
// request and its outcome after, skips ops already applied when a batch is
// retried, and looks up a create whose response was lost (or whose earlier
// attempt died in flight) before creating it again. Record-level failures
// are rows of the errors table and never fail the run; retryable failures
// fail the activity so Temporal retries it, after the delay the system asked
// for (Retry-After) when it gave one.
package workflows
