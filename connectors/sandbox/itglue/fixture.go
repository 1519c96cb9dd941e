package itglue

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"

	"mapsync/connectors/sandbox/core"
)

// FixtureFormat names the fixture documents of this sandbox.
const FixtureFormat = "mapsync-sandbox/itglue/1"

// Record metadata kept in fixtures next to the attributes. They never
// reach the API.
const (
	metaKey     = "_key"                  // msp generator key
	metaPSAType = "_psa-integration-type" // IT Glue's own PSA link (LinkPSA)
	metaPSAID   = "_psa-id"
)

// DumpFixture writes the exact state of the sandbox as a core.Fixture
// document: one table per resource type (named by JSON:API type), each
// record with its id, created-at / updated-at and stored attributes
// (derived ones such as *-name are left out and recomputed on load). The
// output is deterministic: Dump, LoadFixture, Dump gives the same bytes.
func (s *Sandbox) DumpFixture(w io.Writer) error {
	fx := core.Fixture{Format: FixtureFormat, Tables: map[string]core.FixtureTable{}}
	s.st.mu.RLock()
	for _, res := range s.sc.list {
		t := s.st.table(res.typ)
		ft := core.FixtureTable{NextID: t.nextID, Records: make([]core.FixtureRecord, 0, len(t.recs))}
		for _, r := range t.recs {
			data := make(map[string]any, len(r.vals)+3)
			for k, v := range r.vals {
				data[k] = jsonValue(v)
			}
			if r.key != "" {
				data[metaKey] = r.key
			}
			if r.psaType != "" {
				data[metaPSAType] = r.psaType
				data[metaPSAID] = r.psaID
			}
			ft.Records = append(ft.Records, core.FixtureRecord{ID: r.id, Created: r.created, Updated: r.updated, Data: data})
		}
		fx.Tables[res.typ] = ft
	}
	s.st.mu.RUnlock()
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	if err := enc.Encode(fx); err != nil {
		return fmt.Errorf("itglue sandbox: dump fixture: %w", err)
	}
	return nil
}

// LoadFixture replaces the state of the sandbox with a document written by
// DumpFixture (or by hand in the same shape). Resource types the fixture
// leaves out become empty. Every attribute is checked as a write would
// check it (types, references); nothing changes when the fixture is
// invalid, and the error names the table, record and attribute.
func (s *Sandbox) LoadFixture(r io.Reader) error {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	dec.DisallowUnknownFields()
	var fx core.Fixture
	if err := dec.Decode(&fx); err != nil {
		return fmt.Errorf("itglue sandbox: load fixture: %w", err)
	}
	if fx.Format != FixtureFormat {
		return fmt.Errorf("itglue sandbox: load fixture: format %q, want %q", fx.Format, FixtureFormat)
	}
	tmp := &store{sc: s.sc, referenced: s.st.referenced}
	tmp.resetLocked()
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(fx.Tables)) {
		t := tmp.table(name)
		if t == nil {
			errs = append(errs, fmt.Errorf("unknown table %q", name))
			continue
		}
		ft := fx.Tables[name]
		for i, fr := range ft.Records {
			rec, err := decodeRecord(t.res, fr)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s record %d (id %d): %w", name, i, fr.ID, err))
				continue
			}
			if t.byID[rec.id] != nil {
				errs = append(errs, fmt.Errorf("%s record %d: id %d repeated", name, i, fr.ID))
				continue
			}
			if rec.key != "" {
				if prev, dup := tmp.keys[rec.key]; dup {
					errs = append(errs, fmt.Errorf("%s record %d: key %q already used by %s %d", name, i, rec.key, prev.typ, prev.id))
					continue
				}
				tmp.keys[rec.key] = keyRef{typ: name, id: rec.id}
			}
			t.put(rec)
		}
		if ft.NextID > t.nextID {
			t.nextID = ft.NextID
		}
	}
	errs = append(errs, tmp.checkRefs()...)
	if len(errs) > 0 {
		return fmt.Errorf("itglue sandbox: load fixture: %w", errors.Join(errs...))
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	s.st.tables, s.st.keys = tmp.tables, tmp.keys
	s.st.gen++
	s.st.sortMu.Lock()
	s.st.sorted = map[string]sortedList{}
	s.st.sortMu.Unlock()
	return nil
}

// decodeRecord turns a fixture record into a record of res.
func decodeRecord(res *resource, fr core.FixtureRecord) (*record, error) {
	if fr.ID <= 0 {
		return nil, fmt.Errorf("id %d is not positive", fr.ID)
	}
	rec := &record{id: fr.ID, vals: map[string]any{}, created: fr.Created.UTC(), updated: fr.Updated.UTC()}
	for _, k := range slices.Sorted(maps.Keys(fr.Data)) {
		v := fr.Data[k]
		switch k {
		case metaKey, metaPSAType, metaPSAID:
			sv, ok := v.(string)
			if !ok {
				return nil, fmt.Errorf("%s must be a string", k)
			}
			switch k {
			case metaKey:
				rec.key = sv
			case metaPSAType:
				if !res.psaLinked || !psaTypes[sv] {
					return nil, fmt.Errorf("%s %q is not a PSA integration type of a PSA-linkable resource", k, sv)
				}
				rec.psaType = sv
			default:
				rec.psaID = sv
			}
			continue
		}
		a := res.attr(k)
		if a == nil || a.kind == kDerived {
			return nil, fmt.Errorf("attribute %q is not a stored attribute of %s", k, res.typ)
		}
		cv, err := coerce(a, v)
		if err != nil {
			return nil, fmt.Errorf("attribute %s: %w", k, err)
		}
		if cv != nil {
			rec.vals[k] = cv
		}
	}
	if (rec.psaType == "") != (rec.psaID == "") {
		return nil, fmt.Errorf("%s and %s go together", metaPSAType, metaPSAID)
	}
	return rec, nil
}

// checkRefs verifies required attributes and that every reference points
// at an existing record.
func (st *store) checkRefs() []error {
	var errs []error
	for _, res := range st.sc.list {
		for _, r := range st.table(res.typ).recs {
			for _, a := range res.attrs {
				v, set := r.vals[a.name]
				if a.required && (!set || v == "") {
					errs = append(errs, fmt.Errorf("%s %d: %s is required", res.typ, r.id, a.name))
				}
				switch x := v.(type) {
				case int64:
					if a.kind == kRef && st.get(a.ref, x) == nil {
						errs = append(errs, fmt.Errorf("%s %d: %s %d does not exist", res.typ, r.id, a.name, x))
					}
				case []int64:
					for _, id := range x {
						if st.get(a.ref, id) == nil {
							errs = append(errs, fmt.Errorf("%s %d: %s: %d does not exist", res.typ, r.id, a.name, id))
						}
					}
				}
			}
		}
	}
	return errs
}
