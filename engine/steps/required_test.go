package steps

import (
	"context"
	"slices"
	"testing"
	"time"

	"mapsync/connectors"
	"mapsync/connectors/sandbox/local"
	"mapsync/connectors/sandbox/msp"
)

// A doc record pushed to the PSA without a field the PSA requires to
// create it is not sent: its create becomes an invalid op with the
// reason, and the record keeps waiting, saying why.
func TestPushMissingRequiredFieldWaits(t *testing.T) {
	ctx := context.Background()
	p, err := shipped()
	if err != nil {
		t.Fatal(err)
	}
	p = unthrottled(p)
	// The PSA requires an asset tag on create (many doc configurations
	// have none).
	psa := p.Syncs[0].PSA
	for i := range p.Systems {
		if p.Systems[i].Name != psa {
			continue
		}
		p.Systems[i].Objects = slices.Clone(p.Systems[i].Objects)
		for j := range p.Systems[i].Objects {
			o := &p.Systems[i].Objects[j]
			if o.Name != "configuration" {
				continue
			}
			o.Fields = slices.Clone(o.Fields)
			for k := range o.Fields {
				if o.Fields[k].Name == "asset_tag" {
					o.Fields[k].RequiredOnCreate = true
				}
			}
		}
	}
	sys, err := local.Start(local.Options{Data: msp.Options{Companies: 5}})
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Close()
	sys.PSADeleteEvery("configurations", 1)
	r, err := Open(ctx, Config{
		Plan: p, Dir: t.TempDir(), RunID: "run1", Threads: 1, PushAll: []string{"configuration"},
		Vars:             connectors.NewResolver(p.Variables, sys.LookupEnv(nil)),
		ConnectorOptions: []connectors.Option{connectors.WithClock(fastClock{}), connectors.WithRequestTimeout(10 * time.Second)},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Plan(ctx); err != nil {
		t.Fatal(err)
	}
	const refused = `FROM ops WHERE object = 'configuration' AND op = 'invalid' AND key IS NOT NULL AND source_side = 'doc' AND target_side = 'psa'
		AND reason LIKE '%asset_tag: required to create a configuration in%'`
	n := count(t, r, `SELECT count(*) `+refused)
	creates := count(t, r, `SELECT count(*) FROM ops WHERE object = 'configuration' AND op = 'create' AND target_side = 'psa'`)
	if n == 0 || creates == 0 {
		t.Fatalf("%d pushes refused for the missing asset tag, %d creates: the test needs both", n, creates)
	}
	before := sys.PSACount("configurations")
	res, err := r.Apply(ctx, ApplyInput{Object: "configuration", Range: wholeObject(t, r, "configuration")})
	if err != nil {
		t.Fatal(err)
	}
	if got := sys.PSACount("configurations"); got != before+int(res.Created) || res.Created != creates {
		t.Errorf("the PSA holds %d configurations, want %d + %d created (result %+v)", got, before, creates, res)
	}
	if linked := count(t, r, `SELECT count(*) FROM links WHERE object = 'configuration' AND psa_id IS NOT NULL
		AND doc_id IN (SELECT source_id `+refused+`)`); linked != 0 {
		t.Errorf("%d refused pushes were linked", linked)
	}
	if waiting := count(t, r, `SELECT count(*) FROM links WHERE object = 'configuration' AND state = 'not_yet_pushed'
		AND reason LIKE '%not sent: %asset_tag: required%' AND doc_id IN (SELECT source_id `+refused+`)`); waiting != n {
		t.Errorf("%d of the %d refused pushes wait with the reason", waiting, n)
	}
}
