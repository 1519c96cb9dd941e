package bms

import (
	"net/http"

	"mapsync/connectors/sandbox/core"
)

// routes registers every route (paths relative to Base in the log). See
// the package doc for which are documented and which are designed.
func (s *Sandbox) routes() {
	h := func(method, pattern string, fn http.HandlerFunc) {
		s.mux.handle(method, Base+pattern, s.guard(method+" "+pattern, false, fn))
	}
	s.mux.handle("POST", Base+"/security/authenticate", s.guard("POST /security/authenticate", true, s.authenticate))

	acc, loc, con, ast, tkt, note := s.res["accounts"], s.res["locations"], s.res["contacts"], s.res["hardwareassets"], s.res["tickets"], s.res["ticketnotes"]

	// accounts
	h("POST", "/crm/accounts", func(w http.ResponseWriter, r *http.Request) { s.create(w, r, acc, nil, nil) })
	h("PUT", "/crm/accounts/{id}", func(w http.ResponseWriter, r *http.Request) { s.replace(w, r, acc, r.PathValue("id"), nil, nil, nil) })
	h("PATCH", "/crm/accounts/{id}", func(w http.ResponseWriter, r *http.Request) { s.patch(w, r, acc, r.PathValue("id"), nil, nil, nil) })
	h("GET", "/crm/accounts/summary", func(w http.ResponseWriter, r *http.Request) { s.list(w, r, acc, nil, nil) })
	h("GET", "/crm/accounts/summary/{id}", func(w http.ResponseWriter, r *http.Request) { s.get(w, acc, r.PathValue("id"), nil, nil, true) })
	h("GET", "/crm/accounts/{id}", func(w http.ResponseWriter, r *http.Request) { s.get(w, acc, r.PathValue("id"), nil, nil, false) })
	h("POST", "/crm/accounts/search", func(w http.ResponseWriter, r *http.Request) { s.search(w, r, acc, nil, nil) })
	h("GET", "/crm/accounts/lookup", func(w http.ResponseWriter, r *http.Request) { s.list(w, r, acc, accountLookupView, nil) })

	// locations (per account, and across accounts for incremental reads)
	inAccount := func(r *http.Request) (belongs, map[string]any, bool) {
		a, e := s.record(acc, r.PathValue("accountId"), nil)
		if e != nil {
			return nil, nil, false
		}
		return func(rec *core.Record) bool { return intOf(rec.Data, "AccountId") == a.ID }, map[string]any{"AccountId": a.ID}, true
	}
	withAccount := func(fn func(w http.ResponseWriter, r *http.Request, keep belongs, preset map[string]any)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			keep, preset, ok := inAccount(r)
			if !ok {
				writeError(w, notFound("Account", r.PathValue("accountId")))
				return
			}
			fn(w, r, keep, preset)
		}
	}
	h("GET", "/crm/accounts/{accountId}/locations", withAccount(func(w http.ResponseWriter, r *http.Request, keep belongs, _ map[string]any) {
		s.list(w, r, loc, nil, keep)
	}))
	h("GET", "/crm/accounts/{accountId}/locations/lookup", withAccount(func(w http.ResponseWriter, r *http.Request, keep belongs, _ map[string]any) {
		q := query{size: s.opts.MaxPageSize * 100, number: 1, filters: map[string]string{}}
		out, _, _ := s.run(loc, q, locationLookupView, keep)
		writeOK(w, out)
	}))
	h("GET", "/crm/accounts/{accountId}/locations/{locationId}", withAccount(func(w http.ResponseWriter, r *http.Request, keep belongs, _ map[string]any) {
		s.get(w, loc, r.PathValue("locationId"), nil, keep, false)
	}))
	h("POST", "/crm/accounts/{accountId}/locations", withAccount(func(w http.ResponseWriter, r *http.Request, _ belongs, preset map[string]any) {
		s.create(w, r, loc, nil, preset)
	}))
	h("PUT", "/crm/accounts/{accountId}/locations/{locationId}", withAccount(func(w http.ResponseWriter, r *http.Request, keep belongs, preset map[string]any) {
		s.replace(w, r, loc, r.PathValue("locationId"), nil, keep, preset)
	}))
	h("PATCH", "/crm/accounts/{accountId}/locations/{locationId}", withAccount(func(w http.ResponseWriter, r *http.Request, keep belongs, preset map[string]any) {
		s.patch(w, r, loc, r.PathValue("locationId"), nil, keep, preset)
	}))
	h("GET", "/crm/locations", func(w http.ResponseWriter, r *http.Request) { s.list(w, r, loc, nil, nil) })
	h("POST", "/crm/locations/search", func(w http.ResponseWriter, r *http.Request) { s.search(w, r, loc, nil, nil) })

	// contacts
	h("POST", "/crm/contacts/summary", func(w http.ResponseWriter, r *http.Request) { s.create(w, r, con, contactCreatedView, nil) })
	h("POST", "/crm/contacts", func(w http.ResponseWriter, r *http.Request) { s.create(w, r, con, nil, nil) })
	h("GET", "/crm/contacts/summary", func(w http.ResponseWriter, r *http.Request) { s.list(w, r, con, contactSummaryView, nil) })
	h("GET", "/crm/contacts/summary/{id}", func(w http.ResponseWriter, r *http.Request) {
		s.get(w, con, r.PathValue("id"), contactSummaryView, nil, true)
	})
	h("GET", "/crm/contacts/{id}", func(w http.ResponseWriter, r *http.Request) { s.get(w, con, r.PathValue("id"), nil, nil, false) })
	h("PUT", "/crm/contacts/{id}", func(w http.ResponseWriter, r *http.Request) { s.replace(w, r, con, r.PathValue("id"), nil, nil, nil) })
	h("PATCH", "/crm/contacts/{id}", func(w http.ResponseWriter, r *http.Request) { s.patch(w, r, con, r.PathValue("id"), nil, nil, nil) })
	h("DELETE", "/crm/contacts/{id}", func(w http.ResponseWriter, r *http.Request) { s.del(w, con, r.PathValue("id"), nil) })
	h("GET", "/crm/contacts/search", func(w http.ResponseWriter, r *http.Request) { s.list(w, r, con, contactSearchView, nil) })
	h("POST", "/crm/contacts/search", func(w http.ResponseWriter, r *http.Request) { s.search(w, r, con, contactSummaryView, nil) })

	// hardware assets (configurations)
	h("POST", "/servicedesk/hardwareasset", func(w http.ResponseWriter, r *http.Request) { s.create(w, r, ast, nil, nil) })
	h("GET", "/servicedesk/hardwareasset", func(w http.ResponseWriter, r *http.Request) { s.list(w, r, ast, nil, nil) })
	h("GET", "/servicedesk/hardwareasset/searchselect", func(w http.ResponseWriter, r *http.Request) { s.list(w, r, ast, assetSearchView, nil) })
	h("POST", "/servicedesk/hardwareasset/search", func(w http.ResponseWriter, r *http.Request) { s.search(w, r, ast, nil, nil) })
	h("GET", "/servicedesk/hardwareasset/{assetId}", func(w http.ResponseWriter, r *http.Request) {
		s.get(w, ast, r.PathValue("assetId"), nil, nil, false)
	})
	h("PUT", "/servicedesk/hardwareasset/{assetId}", func(w http.ResponseWriter, r *http.Request) {
		s.replace(w, r, ast, r.PathValue("assetId"), nil, nil, nil)
	})
	h("PATCH", "/servicedesk/hardwareasset/{assetId}", func(w http.ResponseWriter, r *http.Request) {
		s.patch(w, r, ast, r.PathValue("assetId"), nil, nil, nil)
	})

	h("DELETE", "/servicedesk/hardwareasset/{assetId}", func(w http.ResponseWriter, r *http.Request) {
		s.del(w, ast, r.PathValue("assetId"), nil)
	})

	// tickets and notes
	h("GET", "/servicedesk/tickets", func(w http.ResponseWriter, r *http.Request) { s.list(w, r, tkt, nil, nil) })
	h("POST", "/servicedesk/tickets", func(w http.ResponseWriter, r *http.Request) { s.create(w, r, tkt, nil, nil) })
	h("POST", "/servicedesk/tickets/search", func(w http.ResponseWriter, r *http.Request) { s.search(w, r, tkt, nil, nil) })
	h("GET", "/servicedesk/tickets/{ticketId}", func(w http.ResponseWriter, r *http.Request) {
		s.get(w, tkt, r.PathValue("ticketId"), nil, nil, false)
	})
	h("PUT", "/servicedesk/tickets/{ticketId}", func(w http.ResponseWriter, r *http.Request) {
		s.replace(w, r, tkt, r.PathValue("ticketId"), nil, nil, nil)
	})
	h("PATCH", "/servicedesk/tickets/{ticketId}", func(w http.ResponseWriter, r *http.Request) {
		s.patch(w, r, tkt, r.PathValue("ticketId"), nil, nil, nil)
	})
	h("DELETE", "/servicedesk/tickets/{ticketId}", func(w http.ResponseWriter, r *http.Request) {
		s.del(w, tkt, r.PathValue("ticketId"), nil)
	})
	withTicket := func(fn func(w http.ResponseWriter, r *http.Request, keep belongs, preset map[string]any)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			t, e := s.record(tkt, r.PathValue("ticketId"), nil)
			if e != nil {
				writeError(w, e)
				return
			}
			fn(w, r, func(rec *core.Record) bool { return intOf(rec.Data, "TicketId") == t.ID }, map[string]any{"TicketId": t.ID})
		}
	}
	h("GET", "/servicedesk/tickets/{ticketId}/notes", withTicket(func(w http.ResponseWriter, r *http.Request, keep belongs, _ map[string]any) {
		s.list(w, r, note, nil, keep)
	}))
	h("POST", "/servicedesk/tickets/{ticketId}/notes", withTicket(func(w http.ResponseWriter, r *http.Request, _ belongs, preset map[string]any) {
		s.create(w, r, note, nil, preset)
	}))
	h("GET", "/servicedesk/tickets/{ticketId}/notes/{noteId}", withTicket(func(w http.ResponseWriter, r *http.Request, keep belongs, _ map[string]any) {
		s.get(w, note, r.PathValue("noteId"), nil, keep, false)
	}))
	h("DELETE", "/servicedesk/tickets/{ticketId}/notes/{noteId}", withTicket(func(w http.ResponseWriter, r *http.Request, keep belongs, _ map[string]any) {
		s.del(w, note, r.PathValue("noteId"), keep)
	}))
	h("PUT", "/servicedesk/tickets/{ticketId}/notes/{noteId}", withTicket(func(w http.ResponseWriter, r *http.Request, keep belongs, preset map[string]any) {
		s.replace(w, r, note, r.PathValue("noteId"), nil, keep, preset)
	}))

	// lookups
	for _, n := range lookupNames {
		res := s.res[n]
		h("GET", "/system/"+n+"/lookup", func(w http.ResponseWriter, r *http.Request) {
			out := []any{}
			for _, rec := range res.table.All() {
				out = append(out, lookupView(s, rec))
			}
			writeOK(w, out)
		})
	}
}

// accountLookupView is AccountLookupOutputDto.
func accountLookupView(s *Sandbox, rec *core.Record) map[string]any {
	return map[string]any{"Id": rec.ID, "Name": rec.Data["AccountName"], "TenantName": s.opts.Tenant, "IsActive": rec.Data["IsActive"]}
}
