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
				if res.Created != 0 || res.Rejected != creates {
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
