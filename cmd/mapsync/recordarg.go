package main

import (
	"strings"
)

// recordArg is a record named on the command line: [psa:|doc:]ID. Side is
// "" when the argument did not say; the command then resolves it (for
// example through the published links).
type recordArg struct {
	Side string // psa | doc | ""
	ID   string
}

func (r recordArg) String() string {
	if r.Side == "" {
		return r.ID
	}
	return r.Side + ":" + r.ID
}

// parseRecordArg reads [psa:|doc:]ID.
func parseRecordArg(s string) (recordArg, error) {
	side, id, ok := strings.Cut(s, ":")
	if !ok {
		side, id = "", s
	}
	if side != "" && side != "psa" && side != "doc" {
		return recordArg{}, usageErr("record %q: the prefix must be psa: or doc: (or none)", s)
	}
	if strings.TrimSpace(id) == "" || strings.ContainsAny(id, " \t\n") {
		return recordArg{}, usageErr("record %q: give an id, as [psa:|doc:]ID", s)
	}
	return recordArg{Side: side, ID: id}, nil
}
