package e2e

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
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
func (a state) diff(b state) string {
	var out []string
	names := map[string]bool{}
	for n := range a {
		names[n] = true
	}
	for n := range b {
		names[n] = true
	}
	for n := range names {
		x, y := a[n], b[n]
		if strings.Join(x, "\n") == strings.Join(y, "\n") {
			continue
		}
		count := map[string]int{}
		for _, r := range x {
			count[r]++
		}
		for _, r := range y {
			count[r]--
		}
		var extra, missing []string
		for r, c := range count {
			for ; c > 0; c-- {
				missing = append(missing, r)
			}
			for ; c < 0; c++ {
				extra = append(extra, r)
			}
		}
		sort.Strings(extra)
		sort.Strings(missing)
		out = append(out, fmt.Sprintf("%s: %d vs %d records; %d missing, %d extra\n  missing e.g. %v\n  extra e.g. %v",
			n, len(x), len(y), len(missing), len(extra), first(missing), first(extra)))
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

func first(l []string) []string {
	if len(l) > 2 {
		return l[:2]
	}
	return l
}
