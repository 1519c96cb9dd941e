package steps

import (
	"context"
	"testing"
	"time"

	"mapsync/connectors"
	"mapsync/connectors/sandbox/local"
	"mapsync/connectors/sandbox/msp"
	"mapsync/engine/match"
)

// A create planned while its target was not listed in full (an
// incremental listing of the target saw nothing) is looked up on the
// target before it is sent: a record with the same match key there is
// linked, not created again. Both directions.
func TestCreateLooksUpUnlistedTarget(t *testing.T) {
	cases := []struct {
		name     string
		target   match.Side
		pushAll  []string // doc -> psa creates need a confirmation
		count    func(*local.Systems) int
		resource string
	}{
		{name: "doc record pushed to the psa", target: match.PSA, pushAll: []string{"organization"},
			count: func(s *local.Systems) int { return s.PSACount("companies") }},
		{name: "psa record created in the doc", target: match.Doc,
			count: func(s *local.Systems) int { return s.DocCount("organizations") }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			p, err := shipped()
			if err != nil {
				t.Fatal(err)
			}
			p = unthrottled(p)
			sys, err := local.Start(local.Options{Data: msp.Options{Companies: 5}})
			if err != nil {
				t.Fatal(err)
			}
			defer sys.Close()
			r, err := Open(ctx, Config{
				Plan: p, Dir: t.TempDir(), RunID: "run1", Threads: 1, PushAll: tc.pushAll,
				Vars:             connectors.NewResolver(p.Variables, sys.LookupEnv(nil)),
				ConnectorOptions: []connectors.Option{connectors.WithClock(fastClock{}), connectors.WithRequestTimeout(10 * time.Second)},
			})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			// The target is listed changed since now: nothing.
			var listing match.Listing
			for _, side := range Sides {
				in := ExtractInput{Object: "organization", Side: side}
				if side == tc.target {
					in.Since = time.Now()
				}
				res, err := r.Extract(ctx, in)
				if err != nil {
					t.Fatal(err)
				}
				if side == match.PSA {
					listing.PSAComplete = res.Complete
				} else {
					listing.DocComplete = res.Complete
				}
			}
			if _, err := r.Match(ctx, "organization", listing); err != nil {
				t.Fatal(err)
			}
			d, err := r.Diff(ctx, "organization")
			if err != nil {
				t.Fatal(err)
			}
			planned := count(t, r, `SELECT count(*) FROM ops WHERE object = 'organization' AND op = 'create' AND target_side = ?`, string(tc.target))
			if planned == 0 {
				t.Fatalf("no create toward the %s planned (%+v): the test needs some", tc.target, d)
			}
			before := tc.count(sys)
			// The target's records before anything is written.
			recs, err := sys.ListRecords(ctx, string(tc.target), "organization")
			if err != nil {
				t.Fatal(err)
			}
			names := map[string]int{} // name -> records on the target
			for _, rec := range recs {
				names[rec.Fields["name"].(string)]++
			}
			res, err := r.Apply(ctx, ApplyInput{Object: "organization", Range: wholeObject(t, r, "organization")})
			if err != nil {
				t.Fatal(err)
			}
			if res.Adopted == 0 {
				t.Errorf("result %+v: no create found its twin on the target", res)
			}
			if got := tc.count(sys); got != before+int(res.Created) {
				t.Errorf("the target holds %d records, want %d + %d created", got, before, res.Created)
			}
			// Every planned create whose source has a twin of the same name
			// on the target was linked to it, not created.
			// Every planned create whose source has a twin of the same name
			// on the target was linked to it, not created.
			twins := int64(0)
			rows, err := r.DB().DB().Query(`SELECT x.name FROM ops o JOIN `+stageName(t, r, "organization", other(tc.target))+` x ON x._id = o.source_id
				WHERE o.object = 'organization' AND o.op = 'create' AND o.target_side = ?`, string(tc.target))
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var n string
				if err := rows.Scan(&n); err != nil {
					t.Fatal(err)
				}
				// The k-th source of a name takes the k-th record of it.
				if names[n] > 0 {
					names[n]--
					twins++
				}
			}
			rows.Close()
			if twins == 0 || res.Adopted != twins || res.Created != planned-twins {
				t.Errorf("result %+v, want the %d creates with a twin on the target linked to it and the other %d created", res, twins, planned-twins)
			}
			if n := count(t, r, `SELECT count(*) FROM ops WHERE object = 'organization' AND op = 'create' AND status = 'applied' AND message = ?`, FoundMessage); n != twins {
				t.Errorf("%d creates applied as found, want %d", n, twins)
			}
			if n := count(t, r, `SELECT count(*) FROM links l JOIN ops o ON o.source_id = (CASE WHEN o.source_side = 'psa' THEN l.psa_id ELSE l.doc_id END)
				AND o.target_id = (CASE WHEN o.target_side = 'psa' THEN l.psa_id ELSE l.doc_id END)
				WHERE o.object = 'organization' AND o.op = 'create' AND l.object = 'organization' AND l.state = 'syncing'`); n != planned {
				t.Errorf("%d links from the found records, want %d", n, planned)
			}
			if n := count(t, r, `SELECT count(*) FROM links WHERE object = 'organization' AND state = 'not_yet_pushed' AND doc_id IN
				(SELECT doc_id FROM links WHERE object = 'organization' AND psa_id IS NOT NULL)`); n != 0 {
				t.Errorf("%d doc records both linked and waiting", n)
			}
		})
	}
}

// stageName is the staging table of an object's side in the run.
func stageName(t *testing.T, r *Run, object string, side match.Side) string {
	t.Helper()
	o, err := r.object(object)
	if err != nil {
		t.Fatal(err)
	}
	name, err := r.stageTable(context.Background(), o, side)
	if err != nil {
		t.Fatal(err)
	}
	return name
}
