package steps

import (
	"context"
	"slices"
	"testing"
	"time"

	"mapsync/engine/plan"
)

// withoutRefetch is p with every refetch_query removed (the systems are
// copied; p is not changed).
func withoutRefetch(p *plan.Plan) *plan.Plan {
	cp := *p
	cp.Systems = slices.Clone(p.Systems)
	for i := range cp.Systems {
		s := &cp.Systems[i]
		s.Objects = slices.Clone(s.Objects)
		for j := range s.Objects {
			o := &s.Objects[j]
			o.Fields = slices.Clone(o.Fields)
			for k := range o.Fields {
				o.Fields[k].RefetchQuery, o.Fields[k].RefetchLimit = nil, 0
			}
		}
	}
	return &cp
}

// A configuration linked to an open ticket in the PSA moves neither the
// ticket's updated date nor anything else an incremental listing sees:
// without refetch_query the incremental run misses it. With it (the
// shipped mapping), the run reads the open tickets' configurations again
// and writes the new one to the documentation side's ticket.
func TestRefetchTicketConfigurations(t *testing.T) {
	shipped := shippedWith(t, nil)
	for _, tc := range []struct {
		name  string
		plan  *plan.Plan
		wants bool
	}{
		{"without refetch_query the change is missed", withoutRefetch(shipped), false},
		{"with refetch_query the change reaches the doc side", shipped, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			sys := valueSandboxes(t)
			dir := t.TempDir()
			_, links := stagedSync(t, tc.plan, sys, dir, "run1")
			ticket, docTicket, cfg, docCfg := ticketWithNewConfiguration(t, sys, links)
			since := time.Now().Add(-time.Second)
			time.Sleep(1100 * time.Millisecond) // the PSA's dates have whole seconds
			if err := sys.AddTicketConfiguration(ctx, ticket, cfg); err != nil {
				t.Fatal(err)
			}
			_, _, extracts := stagedSyncSince(t, tc.plan, sys, dir, "run2", since)
			var refetched, listed int
			for _, e := range extracts {
				if e.Object == "ticket" {
					refetched += e.Refetched
					listed += e.Listed
				}
			}
			got, err := sys.DocTicketConfigurations(ctx, docTicket)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("incremental ticket listing: %d listed, %d refetched; doc ticket %s configurations %v", listed, refetched, docTicket, got)
			if has := slices.Contains(got, docCfg); has != tc.wants {
				t.Errorf("doc ticket %s has configurations %v; holds the new %s: %v, want %v (psa ticket %s, configuration %s)",
					docTicket, got, docCfg, has, tc.wants, ticket, cfg)
			}
			if tc.wants && refetched == 0 {
				t.Errorf("the incremental run refetched no ticket")
			}
			if !tc.wants && refetched != 0 {
				t.Errorf("the incremental run refetched %d tickets without refetch_query", refetched)
			}
		})
	}
}

// ticketWithNewConfiguration picks an open linked ticket and a linked
// configuration of its company that the ticket does not have yet; it
// returns both ids on both sides.
func ticketWithNewConfiguration(t *testing.T, sys interface {
	OpenTickets(context.Context) (map[string]string, error)
	CompanyConfigurations(context.Context, string) ([]string, error)
	DocTicketConfigurations(context.Context, string) ([]string, error)
}, links map[string][][2]string) (ticket, docTicket, cfg, docCfg string) {
	t.Helper()
	ctx := context.Background()
	open, err := sys.OpenTickets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cfgDoc := map[string]string{}
	for _, l := range links["configuration"] {
		cfgDoc[l[0]] = l[1]
	}
	for _, l := range links["ticket"] {
		company, ok := open[l[0]]
		if !ok {
			continue
		}
		have, err := sys.DocTicketConfigurations(ctx, l[1])
		if err != nil {
			t.Fatal(err)
		}
		cfgs, err := sys.CompanyConfigurations(ctx, company)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cfgs {
			if cfgDoc[c] != "" && !slices.Contains(have, cfgDoc[c]) {
				return l[0], l[1], c, cfgDoc[c]
			}
		}
	}
	t.Fatal("no open linked ticket with a linked configuration of its company to add")
	return
}
