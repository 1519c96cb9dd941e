package connectwise

import (
	"bytes"
	"net/http"
	"slices"
	"strconv"

	"mapsync/connectors/sandbox/core"
)

// Ticket configurations (/service/tickets/{parentId}/configurations) link
// configurations to a ticket. ConnectWise answers with configuration
// references whose id is the configuration's id: {id, deviceIdentifier,
// name, _info}. The links live in an internal table of {ticketId,
// configurationId} records.

const ticketConfigsTable = "ticketConfigurations"

func (s *Sandbox) ticketConfigRoutes(mux *router) {
	p := Base + "/service/tickets/{parentId}/configurations"
	mux.handle("GET", p, s.authed(s.listTicketConfigs))
	mux.handle("GET", p+"/count", s.authed(func(w http.ResponseWriter, r *http.Request) {
		if t, ok := s.ticketOf(w, r); ok {
			writeJSON(w, http.StatusOK, []byte(`{"count":`+strconv.Itoa(len(s.ticketConfigLinks(t.ID)))+`}`))
		}
	}))
	mux.handle("GET", p+"/{id}", s.authed(s.getTicketConfig))
	mux.handle("POST", p, s.authed(s.addTicketConfig))
	mux.handle("DELETE", p+"/{id}", s.authed(s.removeTicketConfig))
}

// ticketOf loads the {parentId} ticket, answering 400/404 itself.
func (s *Sandbox) ticketOf(w http.ResponseWriter, r *http.Request) (*core.Record, bool) {
	tickets := s.byName["tickets"]
	id, err := strconv.ParseInt(r.PathValue("parentId"), 10, 64)
	if err != nil {
		writeError(w, newAPIError(http.StatusBadRequest, "InvalidObject", "parentId %q is not a number", r.PathValue("parentId")))
		return nil, false
	}
	t, ok := tickets.table.Get(id)
	if !ok {
		writeError(w, notFound(tickets, id))
		return nil, false
	}
	return t, true
}

// ticketConfigLinks returns the link records of a ticket, by configuration id.
func (s *Sandbox) ticketConfigLinks(ticketID int64) []*core.Record {
	var out []*core.Record
	for _, r := range s.ticketConfigs.All() {
		if num, _ := asNumber(r.Data["ticketId"]); int64(num) == ticketID {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b *core.Record) int { return cmpInt(linkConfigID(a), linkConfigID(b)) })
	return out
}

func linkConfigID(r *core.Record) int64 {
	n, _ := asNumber(r.Data["configurationId"])
	return int64(n)
}

// configRef renders the ConfigurationReference of a linked configuration.
func (s *Sandbox) configRef(cfg *core.Record) map[string]any {
	ref := s.refTo(s.byName["configurations"], cfg, "configuration")
	if d, ok := cfg.Data["deviceIdentifier"]; ok {
		ref["deviceIdentifier"] = d
	}
	return ref
}

func (s *Sandbox) listTicketConfigs(w http.ResponseWriter, r *http.Request) {
	t, ok := s.ticketOf(w, r)
	if !ok {
		return
	}
	var refs []any
	for _, l := range s.ticketConfigLinks(t.ID) {
		if cfg, ok := s.byName["configurations"].table.Get(linkConfigID(l)); ok {
			refs = append(refs, s.configRef(cfg))
		}
	}
	writeValue(w, http.StatusOK, refs)
}

func (s *Sandbox) getTicketConfig(w http.ResponseWriter, r *http.Request) {
	t, ok := s.ticketOf(w, r)
	if !ok {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	for _, l := range s.ticketConfigLinks(t.ID) {
		if linkConfigID(l) == id {
			if cfg, ok := s.byName["configurations"].table.Get(id); ok {
				writeValue(w, http.StatusOK, s.configRef(cfg))
				return
			}
		}
	}
	writeError(w, notFound(s.byName["configurations"], id))
}

func (s *Sandbox) addTicketConfig(w http.ResponseWriter, r *http.Request) {
	t, ok := s.ticketOf(w, r)
	if !ok {
		return
	}
	var in map[string]any
	if e := readBody(r, &in); e != nil {
		writeError(w, e)
		return
	}
	fail := func(code, msg string) {
		e := newAPIError(http.StatusBadRequest, "InvalidObject", "configurationReference object is invalid")
		e.Errors = []validationError{{Code: code, Message: msg, Resource: "configurationReference", Field: "id"}}
		writeError(w, e)
	}
	n, ok := asNumber(in["id"])
	if !ok {
		fail("NullValue", "The id field is required.")
		return
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	cfg, found := s.byName["configurations"].table.Get(int64(n))
	if !found {
		fail("InvalidField", "Configuration with id "+strconv.FormatInt(int64(n), 10)+" was not found.")
		return
	}
	for _, l := range s.ticketConfigLinks(t.ID) {
		if linkConfigID(l) == cfg.ID {
			fail("ObjectExists", "The configuration is already linked to this ticket.")
			return
		}
	}
	s.ticketConfigs.Insert(map[string]any{"ticketId": t.ID, "configurationId": cfg.ID})
	writeValue(w, http.StatusCreated, s.configRef(cfg))
}

func (s *Sandbox) removeTicketConfig(w http.ResponseWriter, r *http.Request) {
	t, ok := s.ticketOf(w, r)
	if !ok {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	for _, l := range s.ticketConfigLinks(t.ID) {
		if linkConfigID(l) == id {
			s.ticketConfigs.Delete(l.ID)
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	writeError(w, notFound(s.byName["configurations"], id))
}

// writeValue renders v with the record key order and writes it.
func writeValue(w http.ResponseWriter, status int, v any) {
	var b []byte
	if refs, ok := v.([]any); ok && refs == nil {
		b = []byte("[]")
	} else {
		var buf bytes.Buffer
		if err := appendValue(&buf, v); err != nil {
			writeError(w, newAPIError(http.StatusInternalServerError, "ConnectWiseApi", "render: %v", err))
			return
		}
		b = buf.Bytes()
	}
	writeJSON(w, status, b)
}
