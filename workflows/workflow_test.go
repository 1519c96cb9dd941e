package workflows

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// fakeRun is a scripted run for the workflow logic: what each activity
// answers. The activities are replaced (env.OnActivity); Temporal itself
// is the SDK's test server.
type fakeRun struct {
	mu        sync.Mutex // the test environment runs activities concurrently
	objects   []string
	batches   int
	commits   []CommitInput
	applied   []ApplyInput
	extracted []ExtractInput
	extractFn func(ExtractInput) (ExtractResult, error)
	matchFn   func(MatchInput) (MatchResult, error)
}

func (f *fakeRun) register(env *testsuite.TestWorkflowEnvironment) {
	var a *Activities
	env.OnActivity(a.Prepare, anyArg, anyArg).Return(func(_ context.Context, ref RunRef) (Prepared, error) {
		p := Prepared{TaskQueue: "host-q", Since: map[string]time.Time{CursorKey("organization", SidePSA): time.Unix(100, 0).UTC()}}
		for i, o := range f.objects {
			p.Objects = append(p.Objects, ObjectRef{Name: o, Stage: i})
		}
		return p, nil
	})
	env.OnActivity(a.Extract, anyArg, anyArg).Return(func(_ context.Context, in ExtractInput) (ExtractResult, error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.extracted = append(f.extracted, in)
		if f.extractFn != nil {
			return f.extractFn(in)
		}
		return ExtractResult{Side: in.Side, Records: 10, Pages: 1, Complete: in.Since.IsZero(), Cursor: time.Unix(500, 0).UTC(), Requests: 1}, nil
	})
	env.OnActivity(a.MatchDiff, anyArg, anyArg).Return(func(_ context.Context, in MatchInput) (MatchResult, error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.matchFn != nil {
			return f.matchFn(in)
		}
		m := MatchResult{Matched: 5, Planned: OpCounts{Create: int64(f.batches) * 2}}
		for i := 0; i < f.batches; i++ {
			m.Batches = append(m.Batches, SeqRange{From: int64(i*2 + 1), To: int64(i*2 + 2)})
		}
		return m, nil
	})
	env.OnActivity(a.Apply, anyArg, anyArg).Return(func(_ context.Context, in ApplyInput) (ApplyResult, error) {
		f.mu.Lock()
		f.applied = append(f.applied, in)
		f.mu.Unlock()
		return ApplyResult{Created: in.Range.To - in.Range.From + 1, Requests: 2}, nil
	})
	env.OnActivity(a.Commit, anyArg, anyArg).Return(func(_ context.Context, in CommitInput) (CommitResult, error) {
		f.mu.Lock()
		f.commits = append(f.commits, in)
		f.mu.Unlock()
		return CommitResult{ResultsFile: "results.duckdb"}, nil
	})
}

const anyArg = mock.Anything

func newEnv(t *testing.T) *testsuite.TestWorkflowEnvironment {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(SyncRun, workflow.RegisterOptions{Name: SyncRunName})
	return env
}

func TestSyncRunAppliesInBatchesAndCommitsCursors(t *testing.T) {
	env := newEnv(t)
	f := &fakeRun{objects: []string{"organization", "configuration"}, batches: 5}
	f.register(env)
	env.ExecuteWorkflow(SyncRunName, SyncInput{Sync: "s", PlanHash: "h", RunID: "r1", Tuning: Tuning{ApplyParallel: 2}})
	if !env.IsWorkflowCompleted() {
		t.Fatal("workflow did not complete")
	}
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow failed: %v", err)
	}
	var res SyncResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if len(res.Objects) != 2 || res.Objects[0].Object != "organization" || res.Objects[1].Object != "configuration" {
		t.Fatalf("objects = %+v", res.Objects)
	}
	for _, o := range res.Objects {
		if o.Created != 10 || o.ExtractedPSA != 10 || o.ExtractedDoc != 10 {
			t.Errorf("%s: created %d extracted %d/%d, want 10, 10/10", o.Object, o.Created, o.ExtractedPSA, o.ExtractedDoc)
		}
		if o.Requests != 2+5*2 {
			t.Errorf("%s: requests %d, want 12", o.Object, o.Requests)
		}
	}
	if len(f.applied) != 10 {
		t.Fatalf("apply activities = %d, want 10 (5 batches x 2 objects)", len(f.applied))
	}
	// Incremental by default: the organization's psa side lists from its cursor.
	for _, e := range f.extracted {
		wantSince := e.Object == "organization" && e.Side == SidePSA
		if !e.Since.IsZero() != wantSince {
			t.Errorf("extract %s/%s since %v", e.Object, e.Side, e.Since)
		}
	}
	if len(f.commits) != 1 || f.commits[0].Failed {
		t.Fatalf("commits = %+v", f.commits)
	}
	if got := len(f.commits[0].Cursors); got != 4 {
		t.Errorf("cursors committed = %d, want 4 (2 objects x 2 sides)", got)
	}
	if res.RunID != "r1" || res.Mode != ModeIncremental {
		t.Errorf("run %q mode %q", res.RunID, res.Mode)
	}
}

func TestSyncRunDryRunNeverApplies(t *testing.T) {
	env := newEnv(t)
	f := &fakeRun{objects: []string{"organization"}, batches: 3}
	f.register(env)
	env.ExecuteWorkflow(SyncRunName, SyncInput{Sync: "s", PlanHash: "h", Mode: ModeFull, DryRun: true})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow failed: %v", err)
	}
	if len(f.applied) != 0 {
		t.Fatalf("a dry run applied %d batches", len(f.applied))
	}
	if len(f.commits) != 1 || len(f.commits[0].Cursors) != 0 || !f.commits[0].Run.DryRun {
		t.Fatalf("dry run commit = %+v", f.commits)
	}
	for _, e := range f.extracted {
		if !e.Since.IsZero() {
			t.Errorf("full run extracted %s/%s since %v", e.Object, e.Side, e.Since)
		}
	}
}

// An extract that fails part-way fails the run: nothing is matched (so
// nothing is orphaned), no cursor moves, and what was applied before is
// still published.
func TestSyncRunFailedExtractOrphansNothing(t *testing.T) {
	env := newEnv(t)
	f := &fakeRun{objects: []string{"organization", "configuration"}, batches: 1}
	matched := map[string]bool{}
	f.matchFn = func(in MatchInput) (MatchResult, error) {
		matched[in.Object] = true
		return MatchResult{Batches: []SeqRange{{From: 1, To: 1}}}, nil
	}
	f.extractFn = func(in ExtractInput) (ExtractResult, error) {
		if in.Object == "configuration" && in.Side == SideDoc {
			return ExtractResult{}, temporal.NewNonRetryableApplicationError("list doc configuration page 3: HTTP 500", errSystem, nil)
		}
		return ExtractResult{Side: in.Side, Records: 3, Complete: true, Cursor: time.Unix(9, 0)}, nil
	}
	f.register(env)
	env.ExecuteWorkflow(SyncRunName, SyncInput{Sync: "s", PlanHash: "h", Mode: ModeFull})
	if env.GetWorkflowError() == nil {
		t.Fatal("the run succeeded with a failed extract")
	}
	if matched["configuration"] {
		t.Error("configurations were matched after a failed extract")
	}
	if len(f.commits) != 1 || !f.commits[0].Failed || len(f.commits[0].Cursors) != 0 {
		t.Fatalf("commit after failure = %+v, want one failed commit without cursors", f.commits)
	}
}

// A run whose worker never picks up its activities starts again from
// Prepare (on whichever worker answers).
func TestSyncRunStartsAgainWhenItsWorkerIsLost(t *testing.T) {
	env := newEnv(t)
	f := &fakeRun{objects: []string{"organization"}, batches: 1}
	calls := 0
	f.extractFn = func(in ExtractInput) (ExtractResult, error) {
		calls++
		if calls == 1 {
			return ExtractResult{}, temporal.NewTimeoutError(enumspb.TIMEOUT_TYPE_SCHEDULE_TO_START, nil)
		}
		return ExtractResult{Side: in.Side, Records: 1, Complete: true}, nil
	}
	f.register(env)
	env.ExecuteWorkflow(SyncRunName, SyncInput{Sync: "s", PlanHash: "h"})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow failed: %v", err)
	}
	var res SyncResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if res.Restarts != 1 || len(res.Objects) != 1 {
		t.Fatalf("restarts %d objects %d, want 1 and 1", res.Restarts, len(res.Objects))
	}
}

func TestSyncRunRejectsBadInput(t *testing.T) {
	env := newEnv(t)
	(&fakeRun{}).register(env)
	env.ExecuteWorkflow(SyncRunName, SyncInput{Sync: "s", PlanHash: "h", Mode: "sometimes"})
	var appErr *temporal.ApplicationError
	if err := env.GetWorkflowError(); !errors.As(err, &appErr) || appErr.Type() != errInput {
		t.Fatalf("error = %v, want %s", err, errInput)
	}
}
