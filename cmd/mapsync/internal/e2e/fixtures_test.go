package e2e

import (
	"bytes"
	"testing"

	"mapsync/connectors/sandbox/core"
)

// state is a sandbox's records, normalised so that two runs that wrote the
// same data compare equal: ids, references by id, timestamps and seed keys
// are dropped (nested reference objects keep their names), and each table
// becomes a sorted list of JSON records.
type state map[string][]string

func normalise(t *testing.T, dump func(*bytes.Buffer) error) state {
	t.Helper()
	var buf bytes.Buffer
	if err := dump(&buf); err != nil {
		t.Fatal(err)
	}
	recs, err := core.StableRecords(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return state(recs)
}

// diff describes how b differs from a ("" when equal).
func (a state) diff(b state) string { return core.DiffStable(a, b) }
