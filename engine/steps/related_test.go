package steps

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"mapsync/connectors"
	"mapsync/connectors/sandbox/local"
	"mapsync/connectors/sandbox/msp"
	"mapsync/engine/match"
	"mapsync/engine/plan"
)

// editSystem returns a copy of the plan in which one system (psa or doc
// of the shipped sync) is changed by edit; the shared plan is not.
func editSystem(t *testing.T, p *plan.Plan, side match.Side, edit func(*plan.System)) *plan.Plan {
	t.Helper()
	cp := *p
	name := p.Syncs[0].PSA
	if side == match.Doc {
		name = p.Syncs[0].Doc
	}
	cp.Systems = slices.Clone(p.Systems)
	for i := range cp.Systems {
		if cp.Systems[i].Name != name {
			continue
		}
		s := &cp.Systems[i]
		s.Objects = slices.Clone(s.Objects)
		for j := range s.Objects {
			s.Objects[j].Fields = slices.Clone(s.Objects[j].Fields)
		}
		s.Lookups = slices.Clone(s.Lookups)
		edit(s)
		return &cp
	}
	t.Fatalf("no system %s", name)
	return nil
}

func objectField(t *testing.T, s *plan.System, object, field string) (*plan.Object, *plan.Field) {
	t.Helper()
	for i := range s.Objects {
		if s.Objects[i].Name != object {
			continue
		}
		for j := range s.Objects[i].Fields {
			if s.Objects[i].Fields[j].Name == field {
				return &s.Objects[i], &s.Objects[i].Fields[j]
			}
		}
	}
	t.Fatalf("%s has no field %s.%s", s.Name, object, field)
	return nil, nil
}

// The PSA's configuration manufacturer read through the related
// manufacturer row (the record's manufacturer.id, the row's name) instead
// of the record's own manufacturer.name.
func throughRelated(t *testing.T, p *plan.Plan) *plan.Plan {
	return editSystem(t, p, match.PSA, func(s *plan.System) {
		_, f := objectField(t, s, "configuration", "manufacturer")
		if f.Lookup == "" {
			t.Fatal("the shipped PSA configuration manufacturer is not a lookup field")
		}
		f.Path, f.WritePath, f.LookupLabel = "manufacturer.id", "manufacturer.id", "name"
		for i := range s.Lookups {
			if s.Lookups[i].Name == f.Lookup {
				s.Lookups[i].Missing, s.Lookups[i].CreateBody, s.Lookups[i].Reason = plan.MissingSkip, "", "no such manufacturer in the PSA"
			}
		}
	})
}

func openOn(t *testing.T, p *plan.Plan, sys *local.Systems, runID string, push ...string) *Run {
	t.Helper()
	r, err := Open(context.Background(), Config{
		Plan: p, Dir: t.TempDir(), RunID: runID, Threads: 1, PushAll: push,
		Vars:             connectors.NewResolver(p.Variables, sys.LookupEnv(nil)),
		ConnectorOptions: []connectors.Option{connectors.WithClock(fastClock{}), connectors.WithRequestTimeout(10 * time.Second)},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Remove() })
	return r
}

// Read through a related record: the values staged are the ones the
// record itself carries, and the related rows are listed once for the
// run (every page of the lookup's list), not once per record.
func TestExtractThroughRelatedRows(t *testing.T) {
	ctx := context.Background()
	p, err := shipped()
	if err != nil {
		t.Fatal(err)
	}
	p = unthrottled(p)
	sys, err := local.Start(local.Options{Data: msp.Options{Companies: 8}})
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Close()
	staged := func(p *plan.Plan, runID string) []string {
		r := openOn(t, p, sys, runID)
		for _, obj := range []string{"organization", "configuration"} {
			res, err := r.Extract(ctx, ExtractInput{Object: obj, Side: match.PSA})
			if err != nil {
				t.Fatal(err)
			}
			if res.Rejected > 0 {
				t.Fatalf("%s: %d rejected: %v", obj, res.Rejected, res.Rejections)
			}
		}
		return query(t, r, `SELECT _id || '=' || coalesce(manufacturer, 'NULL') FROM "stage:{sync}:configuration:psa" ORDER BY _id`)
	}
	want := staged(p, "own")
	sys.ResetLogs()
	got := staged(throughRelated(t, p), "related")
	if !slices.Equal(got, want) {
		t.Errorf("read through the related rows:\n%v\nread from the record:\n%v", got, want)
	}
	named := 0
	for _, s := range got {
		if !strings.HasSuffix(s, "=NULL") {
			named++
		}
	}
	if named == 0 {
		t.Fatal("no configuration has a manufacturer: the test proves nothing")
	}
	reads := 0
	for route, n := range sys.Logs()[0].ByRoute {
		if strings.Contains(route, "/procurement/manufacturers") && strings.HasPrefix(route, "GET") {
			reads += n
		}
	}
	if reads != 1 {
		t.Errorf("the manufacturer rows were listed %d times for %d configurations, want once (%v)", reads, len(got), sys.Logs()[0].ByRoute)
	}
}

// Write through a related record: a pushed configuration's manufacturer
// (a name) is written as the id of the related row of that name. The
// manufacturer is required on create: a configuration without one is not
// pushed, with the reason, while the others are.
func TestPushThroughRelatedRows(t *testing.T) {
	ctx := context.Background()
	p, err := shipped()
	if err != nil {
		t.Fatal(err)
	}
	p = throughRelated(t, unthrottled(p))
	p = editSystem(t, p, match.PSA, func(s *plan.System) {
		_, f := objectField(t, s, "configuration", "manufacturer")
		f.RequiredOnCreate = true
	})
	sys, err := local.Start(local.Options{Data: msp.Options{Companies: 5}})
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Close()
	sys.PSADeleteEvery("configurations", 1)
	r := openOn(t, p, sys, "run1", "configuration")
	if _, err := r.Plan(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Apply(ctx, ApplyInput{Object: "configuration", Range: wholeObject(t, r, "configuration")}); err != nil {
		t.Fatal(err)
	}
	var rows []map[string]any
	if err := sys.PSARequest(ctx, "GET", "/procurement/manufacturers?pageSize=1000", nil, &rows); err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, row := range rows {
		ids[fmt.Sprint(row["name"])] = connectors.IDString(row["id"])
	}
	created := query(t, r, `SELECT target_id || '|' || coalesce(json_extract_string(fields, '$.manufacturer.new'), '') FROM ops
		WHERE object = 'configuration' AND op = 'create' AND target_side = 'psa' AND status = 'applied' ORDER BY target_id`)
	refused := query(t, r, `SELECT source_id FROM ops WHERE object = 'configuration' AND op = 'invalid' AND target_side = 'psa'
		AND reason LIKE '%manufacturer: required to create a configuration in%'`)
	if len(refused) == 0 {
		t.Error("no pushed configuration without a manufacturer was refused: the test proves less than it says")
	}
	if n := count(t, r, `SELECT count(*) FROM ops WHERE object = 'configuration' AND op = 'create' AND list_contains(?, source_id)`, refused); n != 0 {
		t.Errorf("%d configurations without a manufacturer have a create op", n)
	}
	checked := 0
	for _, c := range created {
		id, name, _ := strings.Cut(c, "|")
		if name == "" {
			t.Errorf("configuration %s was created without the manufacturer the PSA requires", id)
			continue
		}
		var rec map[string]any
		if err := sys.PSARequest(ctx, "GET", "/company/configurations/"+id, nil, &rec); err != nil {
			t.Fatal(err)
		}
		m, _ := rec["manufacturer"].(map[string]any)
		if got := connectors.IDString(m["id"]); got != ids[name] || got == "" {
			t.Errorf("configuration %s: manufacturer id %q, want %q (the row named %q)", id, got, ids[name], name)
		}
		checked++
	}
	if checked == 0 {
		t.Fatalf("no pushed configuration with a manufacturer was created (%d creates): the test proves nothing", len(created))
	}
}

// A sync whose direction the system does not offer is refused when the
// run opens, by the check validate makes (plan.OfferProblem).
func TestOpenRefusesADirectionNotOffered(t *testing.T) {
	p, err := shipped()
	if err != nil {
		t.Fatal(err)
	}
	q := editSystem(t, p, match.PSA, func(s *plan.System) {
		o, _ := objectField(t, s, "organization", "name")
		o.Offers = []string{plan.DirToDoc}
	})
	_, err = Inspect(Config{Plan: q, Dir: t.TempDir(), RunID: "run1"})
	want := fmt.Sprintf("system %s does not offer a two_way sync of organization: it offers to_doc", p.Syncs[0].PSA)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Inspect = %v, want %q", err, want)
	}
	q = editSystem(t, p, match.PSA, func(s *plan.System) {
		o, _ := objectField(t, s, "organization", "name")
		o.Offers = []string{plan.DirTwoWay, plan.DirToDoc}
	})
	if _, err := Inspect(Config{Plan: q, Dir: t.TempDir(), RunID: "run1"}); err != nil {
		t.Errorf("an offered direction is refused: %v", err)
	}
}

// A create whose required list is empty is not sent: the documentation
// system requires an e-mail on a new contact, and the PSA contact without
// any is planned as invalid with the reason, not created, while the other
// contacts are.
func TestCreateMissingRequiredListIsNotSent(t *testing.T) {
	ctx := context.Background()
	p, err := shipped()
	if err != nil {
		t.Fatal(err)
	}
	p = editSystem(t, unthrottled(p), match.Doc, func(s *plan.System) {
		_, f := objectField(t, s, "contact", "emails")
		f.RequiredOnCreate = true
	})
	sys, err := local.Start(local.Options{Data: msp.Options{Companies: 5}})
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Close()
	r := openOn(t, p, sys, "run1")
	if _, err := r.Plan(ctx); err != nil {
		t.Fatal(err)
	}
	noEmail := psaID(t, sys, edge(t, sys.Data, msp.EdgeContactNoEmail, "psa")[0])
	refused := query(t, r, `SELECT source_id FROM ops WHERE object = 'contact' AND op = 'invalid' AND target_side = 'doc'
		AND reason LIKE '%emails: required to create a contact in%' ORDER BY source_id`)
	if !slices.Contains(refused, noEmail) {
		t.Fatalf("the contact without e-mail (%s) is not refused; refused: %v", noEmail, refused)
	}
	creates := count(t, r, `SELECT count(*) FROM ops WHERE object = 'contact' AND op = 'create' AND target_side = 'doc'`)
	if n := count(t, r, `SELECT count(*) FROM ops WHERE object = 'contact' AND op = 'create' AND source_id = ?`, noEmail); n != 0 || creates == 0 {
		t.Fatalf("%d creates of the contact without e-mail, %d creates in all", n, creates)
	}
	for _, obj := range []string{"organization", "location", "contact"} {
		if _, err := r.Apply(ctx, ApplyInput{Object: obj, Range: wholeObject(t, r, obj)}); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(t, r, `SELECT count(*) FROM ops WHERE object = 'contact' AND op = 'create' AND target_side = 'doc' AND status = 'applied'`); n != creates {
		t.Errorf("%d of %d contact creates applied", n, creates)
	}
	if n := count(t, r, `SELECT count(*) FROM ops WHERE object = 'contact' AND status IN ('failed', 'rejected')`); n != 0 {
		t.Errorf("%d contact ops failed or were rejected: a missing required value is not an error", n)
	}
}
