package steps

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"mapsync/connectors"
	"mapsync/connectors/sandbox/core"
	"mapsync/connectors/sandbox/local"
	"mapsync/connectors/sandbox/msp"
	"mapsync/engine/match"
	"mapsync/engine/records"
)

// fastClock is the connectors' clock here: real time, but backoff and
// Retry-After waits are cut to a millisecond (the connector's own retries
// still happen, they just do not wait).
type fastClock struct{}

func (fastClock) Now() time.Time { return time.Now() }
func (fastClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(min(d, time.Millisecond))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// planned opens a run of the shipped sync on fresh sandboxes (5
// companies) and plans it: every object extracted, matched and diffed.
func planned(t *testing.T) (*Run, *local.Systems, string) {
	t.Helper()
	p, err := shipped()
	if err != nil {
		t.Fatal(err)
	}
	p = unthrottled(p)
	sys, err := local.Start(local.Options{Data: msp.Options{Companies: 5}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sys.Close() })
	dir := t.TempDir()
	r, err := Open(context.Background(), Config{
		Plan: p, Dir: dir, RunID: "run1", Threads: 1,
		Vars:             connectors.NewResolver(p.Variables, sys.LookupEnv(nil)),
		ConnectorOptions: []connectors.Option{connectors.WithClock(fastClock{}), connectors.WithRequestTimeout(10 * time.Second)},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	if _, err := r.Plan(context.Background()); err != nil {
		t.Fatal(err)
	}
	return r, sys, dir
}

// faults sets the sandboxes' injected faults ("" = none).
func faults(t *testing.T, sys *local.Systems, spec string) {
	t.Helper()
	f, err := core.ParseFaults(spec)
	if err != nil {
		t.Fatal(err)
	}
	sys.SetFaults(f)
}

// wholeObject is the one seq range holding every planned write of an
// object.
func wholeObject(t *testing.T, r *Run, object string) match.SeqRange {
	t.Helper()
	b, err := r.Batches(context.Background(), object, 1_000_000)
	if err != nil || len(b) != 1 {
		t.Fatalf("batches of %s: %v, %v", object, b, err)
	}
	return b[0]
}

func count(t *testing.T, r *Run, stmt string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := r.DB().DB().QueryRow(stmt, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
	return n
}

func TestApplyWritesAndKeepsTheLedger(t *testing.T) {
	ctx := context.Background()
	r, sys, _ := planned(t)
	creates := count(t, r, `SELECT count(*) FROM ops WHERE object = 'organization' AND op = 'create'`)
	updates := count(t, r, `SELECT count(*) FROM ops WHERE object = 'organization' AND op = 'update'`)
	if creates == 0 || updates == 0 {
		t.Fatalf("the data set plans %d organization creates and %d updates; the test needs both", creates, updates)
	}
	before := sys.DocCount("organizations")
	rng := wholeObject(t, r, "organization")

	cctx, reqs := CountRequests(ctx)
	res, err := r.Apply(cctx, ApplyInput{Object: "organization", Range: rng})
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != creates || res.Updated != updates || res.Adopted != 0 || res.Rejected != 0 {
		t.Errorf("result %+v, want %d created and %d updated", res, creates, updates)
	}
	if reqs.N() < creates+updates {
		t.Errorf("%d requests counted for %d writes", reqs.N(), creates+updates)
	}
	if got := sys.DocCount("organizations"); got != before+int(creates) {
		t.Errorf("the documentation system holds %d organizations, want %d", got, before+int(creates))
	}
	if n := count(t, r, `SELECT count(*) FROM ops WHERE object = 'organization' AND op IN ('create', 'update') AND status <> 'applied'`); n != 0 {
		t.Errorf("%d organization writes are not applied", n)
	}
	if n := count(t, r, `SELECT count(*) FROM ops o JOIN ledger_sends s USING (run, key)
			WHERE o.object = 'organization' AND o.op IN ('create', 'update') AND s.attempts = 1`); n != creates+updates {
		t.Errorf("%d writes have one send in the ledger, want %d", n, creates+updates)
	}
	if n := count(t, r, `SELECT count(*) FROM links l JOIN ops o ON o.target_id = l.doc_id
			WHERE o.object = 'organization' AND o.op = 'create' AND l.object = 'organization' AND l.psa_id = o.source_id`); n != creates {
		t.Errorf("%d created organizations are linked, want %d", n, creates)
	}

	t.Run("a retried apply skips applied ops", func(t *testing.T) {
		cctx, reqs := CountRequests(ctx)
		again, err := r.Apply(cctx, ApplyInput{Object: "organization", Range: rng})
		if err != nil {
			t.Fatal(err)
		}
		if again != res {
			t.Errorf("second apply: %+v, want the first one's outcome %+v", again, res)
		}
		if reqs.N() != 0 {
			t.Errorf("second apply sent %d requests", reqs.N())
		}
		if got := sys.DocCount("organizations"); got != before+int(creates) {
			t.Errorf("the documentation system holds %d organizations after the retry, want %d", got, before+int(creates))
		}
	})
}

func TestApplyRetryableFailures(t *testing.T) {
	cases := []struct {
		name  string
		spec  string
		delay time.Duration
	}{
		{"429 with Retry-After", "POST:429=1,retry_after=7", 7 * time.Second},
		{"5xx without Retry-After", "POST:500=1", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			r, sys, dir := planned(t)
			creates := count(t, r, `SELECT count(*) FROM ops WHERE object = 'organization' AND op = 'create'`)
			rng := wholeObject(t, r, "organization")
			before := sys.DocCount("organizations")
			faults(t, sys, c.spec)

			_, err := r.Apply(ctx, ApplyInput{Object: "organization", Range: rng})
			var se *Error
			if !errors.As(err, &se) || se.Kind != KindSystem || !se.Retryable() || se.RetryAfter != c.delay {
				t.Fatalf("err = %#v, want a retryable system error after %s", err, c.delay)
			}
			// Marked before the request: the failed creates stay in doubt.
			if n := count(t, r, `SELECT count(*) FROM ops WHERE object = 'organization' AND op = 'create' AND status = 'sending'`); n != creates {
				t.Errorf("%d creates are sending, want %d", n, creates)
			}

			t.Run("the last attempt records them as failed", func(t *testing.T) {
				res, err := r.Apply(ctx, ApplyInput{Object: "organization", Range: rng, LastAttempt: true})
				if err != nil {
					t.Fatal(err)
				}
				if res.Created != 0 || res.Rejected != creates || res.Failed != creates {
					t.Errorf("result %+v, want %d given up", res, creates)
				}
				got := query(t, r, `SELECT DISTINCT status || ': ' || split_part(message, ':', 1) FROM ops WHERE object = 'organization' AND op = 'create'`)
				if !slices.Equal(got, []string{"failed: gave up after retries"}) {
					t.Errorf("create statuses %q", got)
				}
				if n := count(t, r, `SELECT min(attempts) FROM ledger_sends WHERE key IN (SELECT key FROM ops WHERE object = 'organization' AND op = 'create')`); n != 2 {
					t.Errorf("the creates were sent %d times, want 2 (one per attempt)", n)
				}
				if got := sys.DocCount("organizations"); got != before {
					t.Errorf("the documentation system holds %d organizations, want %d", got, before)
				}
			})

			t.Run("commit records them in the errors file", func(t *testing.T) {
				if _, err := r.Commit(ctx, CommitInput{Failed: true}); err != nil {
					t.Fatal(err)
				}
				db, ok, err := match.OpenErrors(dir)
				if err != nil || !ok {
					t.Fatalf("errors file: %v %v", ok, err)
				}
				defer db.Close()
				var n int64
				if err := db.QueryRow(`SELECT count(*) FROM errors WHERE object = 'organization' AND op = 'create' AND status = 'failed'
						AND message LIKE 'gave up after retries: HTTP %' AND run = 'run1' AND attempts = 1`).Scan(&n); err != nil {
					t.Fatal(err)
				}
				if n != creates {
					t.Errorf("errors file holds %d failed organization creates, want %d", n, creates)
				}
			})
		})
	}
}

func TestApplyAdoptsALostCreate(t *testing.T) {
	cases := []struct {
		name string
		spec string // faults of the first attempt
		// retried: the first attempt fails (its lookup too) and the
		// second finds the records.
		retried bool
	}{
		{"found by the attempt that lost the response", "POST:timeout_after_commit=1", false},
		{"found by the next attempt", "POST:timeout_after_commit=1;GET /organizations:500=1", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			r, sys, _ := planned(t)
			creates := count(t, r, `SELECT count(*) FROM ops WHERE object = 'organization' AND op = 'create'`)
			rng := wholeObject(t, r, "organization")
			before := sys.DocCount("organizations")
			faults(t, sys, c.spec)
			res, err := r.Apply(ctx, ApplyInput{Object: "organization", Range: rng})
			if c.retried {
				var se *Error
				if !errors.As(err, &se) || !se.Retryable() {
					t.Fatalf("first attempt: err = %v, want a retryable error", err)
				}
				if n := count(t, r, `SELECT count(*) FROM ops WHERE object = 'organization' AND op = 'create' AND status = 'sending'`); n != creates {
					t.Errorf("%d creates in doubt after the first attempt, want %d", n, creates)
				}
				faults(t, sys, "")
				res, err = r.Apply(ctx, ApplyInput{Object: "organization", Range: rng})
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Adopted != creates || res.Created != 0 || res.Rejected != 0 {
				t.Errorf("result %+v, want %d adopted", res, creates)
			}
			if got := sys.DocCount("organizations"); got != before+int(creates) {
				t.Errorf("the documentation system holds %d organizations, want exactly one per create: %d", got, before+int(creates))
			}
			if n := count(t, r, `SELECT count(*) FROM ops WHERE object = 'organization' AND op = 'create' AND status = 'applied'
					AND message = ? AND target_id IS NOT NULL`, AdoptedMessage); n != creates {
				t.Errorf("%d creates applied as adopted with an id, want %d", n, creates)
			}
		})
	}
}

func TestApplyRefusesADryRun(t *testing.T) {
	r, _, _ := planned(t)
	r.cfg.DryRun = true
	_, err := r.Apply(context.Background(), ApplyInput{Object: "organization", Range: wholeObject(t, r, "organization")})
	var se *Error
	if !errors.As(err, &se) || se.Kind != KindInput || se.Retryable() {
		t.Fatalf("err = %v, want a non-retryable input error", err)
	}
}

func TestApplyWithoutLedgerRows(t *testing.T) {
	r, _, _ := planned(t)
	_, err := r.Apply(context.Background(), ApplyInput{Object: "organization", Range: match.SeqRange{From: 1_000_000, To: 1_000_010}})
	var se *Error
	if !errors.As(err, &se) || se.Kind != KindLostLedger || se.Retryable() {
		t.Fatalf("err = %v, want a non-retryable lost-ledger error", err)
	}
}

func TestReferenceTranslation(t *testing.T) {
	ctx := context.Background()
	r, _, _ := planned(t)

	t.Run("list refs of a create: source ids become the target's, unlinked ones are left out", func(t *testing.T) {
		pair := query(t, r, `SELECT psa_id || ' ' || doc_id FROM links WHERE object = 'configuration' AND psa_id IS NOT NULL AND doc_id IS NOT NULL ORDER BY psa_id LIMIT 1`)
		if len(pair) != 1 {
			t.Fatal("no linked configuration")
		}
		psa, doc, _ := strings.Cut(pair[0], " ")
		vals := map[string]any{"configurations": []any{psa, "no-such-configuration"}, "summary": "x"}
		o, _ := r.object("ticket")
		if err := r.translateListRefs(ctx, o, match.Doc, vals); err != nil {
			t.Fatal(err)
		}
		if got, ok := vals["configurations"].([]any); !ok || len(got) != 1 || got[0] != doc {
			t.Errorf("configurations = %v, want [%s]", vals["configurations"], doc)
		}
		if vals["summary"] != "x" {
			t.Errorf("a field that is no list of refs changed: %v", vals["summary"])
		}
	})

	t.Run("parent refs of an update: the link's synced value, else the op's", func(t *testing.T) {
		site := query(t, r, `SELECT psa_id || ' ' || json_extract_string(psa_synced, '$.organization') FROM links
			WHERE object = 'location' AND psa_id IS NOT NULL AND json_extract_string(psa_synced, '$.organization') IS NOT NULL LIMIT 1`)
		if len(site) != 1 {
			t.Fatal("no linked site with a synced organization")
		}
		id, org, _ := strings.Cut(site[0], " ")
		ops := []match.Op{
			{Key: "linked", TargetID: id, Fields: []byte(`{"name": {"old": "a", "new": "b"}}`)},
			{Key: "unlinked", TargetID: "no-such-site", Fields: []byte(`{"organization": {"new": "42"}}`)},
		}
		o, _ := r.object("location")
		refs, err := r.updateRefs(ctx, o, match.PSA, ops)
		if err != nil {
			t.Fatal(err)
		}
		if refs["linked"]["organization"] != org || refs["unlinked"]["organization"] != "42" {
			t.Errorf("refs = %v, want linked -> %s, unlinked -> 42", refs, org)
		}
	})
}

func TestClassify(t *testing.T) {
	throttled := &connectors.Error{HTTPStatus: 429, Kind: connectors.KindFailed, RetryAfter: 3 * time.Second}
	cases := []struct {
		name      string
		err       error
		kind      ErrorKind
		retryable bool
		after     time.Duration
	}{
		{"429 carries its Retry-After", throttled, KindSystem, true, 3 * time.Second},
		{"5xx", &connectors.Error{HTTPStatus: 502, Kind: connectors.KindFailed}, KindSystem, true, 0},
		{"plan problem", &connectors.Error{Kind: connectors.KindConfig}, KindConfig, false, 0},
		{"request refused", &connectors.Error{HTTPStatus: 400, Kind: connectors.KindRejected}, KindConfig, false, 0},
		{"401 stops the run", &connectors.Error{HTTPStatus: 401, Kind: connectors.KindAuth}, KindAccess, false, 0},
		{"403 stops the run", &connectors.Error{HTTPStatus: 403, Kind: connectors.KindForbidden}, KindAccess, false, 0},
		{"untrusted certificate stops the run", &connectors.Error{Kind: connectors.KindTLS}, KindAccess, false, 0},
		{"host unreachable past the bound stops the run", &connectors.Error{Kind: connectors.KindUnreachable}, KindAccess, false, 0},
		{"a step error keeps its kind", ledgerError("x", errors.New("disk")), KindLedger, true, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var se *Error
			if !errors.As(Classify("op", c.err), &se) || se.Kind != c.kind || se.Retryable() != c.retryable || se.RetryAfter != c.after {
				t.Errorf("got %#v", se)
			}
		})
	}
}

// applyObject applies every planned write of an object without faults.
func applyObject(t *testing.T, r *Run, object string) ApplyResult {
	t.Helper()
	res, err := r.Apply(context.Background(), ApplyInput{Object: object, Range: wholeObject(t, r, object)})
	if err != nil {
		t.Fatalf("apply %s: %v", object, err)
	}
	return res
}

// Lost creates of records under a parent (locations under their
// organization) are found when the target stores something other than
// the source's values: a blank key component (no Address 2), a state the
// target's region list lacks (the writer leaves it out, the record has
// none).
func TestApplyAdoptsLostCreatesOfNestedRecordsWithLookups(t *testing.T) {
	cases := []struct {
		name  string
		patch string // merged into the fields of every location create
	}{
		{"as planned (some have a blank key component)", ""},
		{"a state the target does not know", `{"state": {"new": "Atlantis"}}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			r, sys, _ := planned(t)
			applyObject(t, r, "organization")
			creates := count(t, r, `SELECT count(*) FROM ops WHERE object = 'location' AND op = 'create' AND target_side = 'doc'`)
			if creates < 2 {
				t.Fatalf("the data set plans %d location creates on the documentation side, the test needs 2", creates)
			}
			if c.patch != "" {
				if _, err := r.DB().DB().Exec(`UPDATE ops SET fields = json_merge_patch(fields, ?) WHERE object = 'location' AND op = 'create'`, c.patch); err != nil {
					t.Fatal(err)
				}
			}
			rng := wholeObject(t, r, "location")
			before := sys.DocCount("locations")
			faults(t, sys, "POST:timeout_after_commit=1")
			res, err := r.Apply(ctx, ApplyInput{Object: "location", Range: rng})
			faults(t, sys, "")
			if err != nil {
				t.Fatal(err)
			}
			if got := sys.DocCount("locations"); got != before+int(creates) {
				t.Errorf("the documentation system holds %d locations, want exactly one per create: %d", got, before+int(creates))
			}
			if res.Adopted != creates || res.Rejected != 0 {
				t.Errorf("result %+v, want %d adopted", res, creates)
			}
		})
	}
}

// The requests of every attempt of a step add up to what the sandboxes
// logged, and no create is made twice, under the faults of the issue
// (raised so that attempts fail).
func TestApplyUnderFaultsCountsEveryAttemptAndCreatesOnce(t *testing.T) {
	ctx := context.Background()
	r, sys, _ := planned(t)
	applyObject(t, r, "organization")
	creates := count(t, r, `SELECT count(*) FROM ops WHERE object = 'location' AND op = 'create' AND target_side = 'doc'`)
	rng := wholeObject(t, r, "location")
	before := sys.DocCount("locations")
	sys.ResetLogs()
	// The first attempt loses every create response (its lookups may
	// fail too); the later ones meet the kinds of fault.
	faults(t, sys, "GET:5xx=0.3,429=0.1;POST *:timeout_after_commit=1")
	var total int64
	var err error
	for attempt := 1; attempt <= 30; attempt++ {
		if attempt == 2 {
			faults(t, sys, "5xx=0.3,429=0.1;POST *:timeout_after_commit=0.3")
		}
		actx, reqs := CountRequests(ctx)
		_, err = r.Apply(actx, ApplyInput{Object: "location", Range: rng})
		if total, err2 := r.TallyRequests(ctx, "apply location", reqs.N()); err2 != nil || total <= 0 {
			t.Fatalf("tally: %d, %v", total, err2)
		}
		if err == nil {
			break
		}
	}
	faults(t, sys, "")
	if err != nil {
		t.Fatalf("no attempt succeeded: %v", err)
	}
	total, err = r.TallyRequests(ctx, "apply location", 0)
	if err != nil {
		t.Fatal(err)
	}
	var logged, lost int
	for _, l := range sys.Logs() {
		logged += l.Total
		lost += l.Faults["timeout_after_commit"]
	}
	if lost == 0 {
		t.Fatal("no create response was lost: the test tests nothing")
	}
	if total != int64(logged) {
		t.Errorf("%d requests tallied over the attempts, the sandboxes logged %d", total, logged)
	}
	if got := sys.DocCount("locations"); got != before+int(creates) {
		t.Errorf("the documentation system holds %d locations, want exactly one per create: %d", got, before+int(creates))
	}
}

// A duplicate on the target that the engine made (a lost create sent
// again: two records equal on the key, one of them linked) is noticed by
// the next full run: the unlinked copy is reported as unmatched, with the
// reason, never linked or merged silently.
func TestNextRunReportsADuplicateOfALinkedRecord(t *testing.T) {
	ctx := context.Background()
	r, sys, dir := planned(t)
	applyObject(t, r, "organization")
	applyObject(t, r, "location")
	// The same create sent a second time, as the old lookup did.
	var op match.Op
	ops, err := r.db.Ops(ctx, match.OpFilter{Object: "location", Status: match.StatusApplied, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range ops {
		if o.Op == match.OpCreate && o.TargetSide == match.Doc {
			op = o
			break
		}
	}
	if op.Key == "" {
		t.Fatal("no location was created on the documentation side")
	}
	o, _ := r.object("location")
	w, err := r.writer(o, match.Doc, true)
	if err != nil {
		t.Fatal(err)
	}
	vals, err := newValues(op.Fields)
	if err != nil {
		t.Fatal(err)
	}
	out, err := w.Prepare(ctx, records.Change{Create: true, Fields: vals})
	if err != nil {
		t.Fatal(err)
	}
	var dup string
	for _, res := range r.clients[match.Doc].Create(ctx, "location", []connectors.WriteRecord{{Key: "again", Fields: out.Fields}}) {
		dup = res.ID
	}
	if dup == "" {
		t.Fatal("the second create made no record")
	}
	if _, err := r.Commit(ctx, CommitInput{}); err != nil {
		t.Fatal(err)
	}
	r.Close()

	p := r.cfg.Plan
	r2, err := Open(ctx, Config{
		Plan: p, Dir: dir, RunID: "run2", Threads: 1,
		Vars:             connectors.NewResolver(p.Variables, sys.LookupEnv(nil)),
		ConnectorOptions: []connectors.Option{connectors.WithClock(fastClock{}), connectors.WithRequestTimeout(10 * time.Second)},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	if _, err := r2.Plan(ctx); err != nil {
		t.Fatal(err)
	}
	if got := query(t, r2, `SELECT psa_id FROM links WHERE object = 'location' AND doc_id = ? AND psa_id IS NOT NULL`, dup); len(got) != 0 {
		t.Errorf("the duplicate %s is linked to %q", dup, got)
	}
	got := query(t, r2, `SELECT reason FROM unmatched WHERE object = 'location' AND side = 'doc' AND id = ? AND run = 'run2'`, dup)
	if len(got) != 1 || !strings.Contains(got[0], "are matched to other records") {
		t.Errorf("the duplicate %s is not reported as one: %q", dup, got)
	}
}

// Coupled fields against the documentation sandbox, which refuses a
// region of another country with 422: a location that moves to another
// country is sent with its state re-resolved there (here it is not one of
// the new country's regions, so the region is sent empty), and the write
// is accepted; a state that changes alone is resolved under the record's
// country, and no reason prints a nil as %!q(<nil>).
func TestApplyWritesCoupledFieldsTogether(t *testing.T) {
	ctx := context.Background()
	r, _, _ := planned(t)
	applyObject(t, r, "organization")
	applyObject(t, r, "location")
	// A created location whose doc record has a region: its create op
	// becomes an update of the country, as the next run would plan it.
	row := query(t, r, `SELECT o.key || ' ' || o.target_id || ' ' || json_extract_string(o.fields, '$.country.new') FROM ops o
		WHERE o.object = 'location' AND o.op = 'create' AND o.target_side = 'doc' AND o.status = 'applied'
		AND json_extract_string(o.fields, '$.state.new') <> '' AND json_extract_string(o.fields, '$.country.new') = 'United States' LIMIT 1`)
	if len(row) != 1 {
		t.Fatal("no location with a state in the United States was created on the documentation side")
	}
	parts := strings.Fields(row[0])
	key, id := parts[0], parts[1]
	update := func(t *testing.T, fields string) (status, msg string) {
		t.Helper()
		if _, err := r.DB().DB().Exec(`UPDATE ops SET op = 'update', status = 'planned', message = NULL, target_id = ?, fields = ? WHERE key = ?`,
			id, fields, key); err != nil {
			t.Fatal(err)
		}
		if _, err := r.Apply(ctx, ApplyInput{Object: "location", Range: wholeObject(t, r, "location")}); err != nil {
			t.Fatal(err)
		}
		got := query(t, r, `SELECT status || ' ' || coalesce(message, '') FROM ops WHERE key = ?`, key)
		if len(got) != 1 {
			t.Fatalf("op %s: %q", key, got)
		}
		status, msg, _ = strings.Cut(got[0], " ")
		return status, msg
	}

	t.Run("the country changes: the state goes with it", func(t *testing.T) {
		if status, msg := update(t, `{"country": {"old": "United States", "new": "Canada"}}`); status != "applied" {
			t.Errorf("the move is %s: %s", status, msg)
		}
		// The region was sent empty: the documentation side's memory says
		// empty (not the old state), so the next run reads no blanking.
		got := query(t, r, `SELECT coalesce(json_type(doc_synced, '$.state'), 'ABSENT') FROM links WHERE object = 'location' AND doc_id = ?`, id)
		if len(got) != 1 || got[0] != "NULL" {
			t.Errorf("the documentation side's memory of the state: %q, want JSON null", got)
		}
	})
	t.Run("the state changes alone: resolved under the record's country", func(t *testing.T) {
		fields := `{"state": {"old": "Connecticut", "new": "Ontario"}}`
		// The plan's review of the op prepares it too.
		if _, err := r.DB().DB().Exec(`UPDATE ops SET op = 'update', status = 'planned', target_id = ?, fields = ? WHERE key = ?`, id, fields, key); err != nil {
			t.Fatal(err)
		}
		o, _ := r.object("location")
		op, err := r.db.Ops(ctx, match.OpFilter{Object: "location", Status: match.StatusPlanned, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range op {
			if x.Key != key {
				continue
			}
			rv, _, err := r.review(ctx, o, x)
			if err != nil {
				t.Fatal(err)
			}
			if rv != nil && strings.Contains(rv.Reason, "%!") {
				t.Errorf("the review's reason prints a nil: %s", rv.Reason)
			}
		}
		status, msg := update(t, fields)
		if status != "applied" || strings.Contains(msg, "%!") {
			t.Errorf("the state change is %s: %s", status, msg)
		}
		notes := query(t, r, `SELECT coalesce(reason, '') || coalesce(message, '') FROM ops WHERE object = 'location'`)
		for _, n := range notes {
			if strings.Contains(n, "%!") {
				t.Errorf("a reason prints a nil: %s", n)
			}
		}
	})
}
