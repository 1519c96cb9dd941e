package steps

import (
	"encoding/json"
	"maps"
	"slices"

	"mapsync/engine/match"
	"mapsync/engine/records"
)

// leftOut lists, as warnings, the fields of a planned create or update
// that the target's mapping leaves out: a skipped record (its lookup
// says skip), fields that make the write impossible, fields not sent
// (read-only, create-only, an unknown lookup value with missing =
// "empty") and fields sent empty. Each carries the source's value (the
// op's memory of the source side, else the value the op would send).
func leftOut(op match.Op, fields map[string]opField, out records.Outcome, target string) []match.Warning {
	var after map[string]map[string]json.RawMessage
	if len(op.After) > 0 {
		_ = json.Unmarshal(op.After, &after) // an op without a readable after shows the sent values
	}
	value := func(field string) json.RawMessage {
		if v, ok := after[string(op.SourceSide)][field]; ok {
			return v
		}
		if f, ok := fields[field]; ok {
			return f.New
		}
		return nil
	}
	verb := "updated"
	if op.Op == match.OpCreate {
		verb = "created"
	}
	var ws []match.Warning
	add := func(field, reason string) {
		ws = append(ws, match.Warning{Kind: match.WarnWrite, SourceSide: op.SourceSide, SourceID: op.SourceID,
			TargetSide: op.TargetSide, TargetID: op.TargetID, Field: field, Value: value(field), Reason: reason})
	}
	if out.Skip != "" {
		field := out.SkipField
		if field == "" {
			field = "*"
		}
		add(field, "record not "+verb+" in "+target+": "+out.Skip)
		return ws
	}
	for _, f := range slices.Sorted(maps.Keys(out.Invalid)) {
		add(f, "record not "+verb+" in "+target+": "+out.Invalid[f])
	}
	if len(out.Invalid) > 0 {
		return ws
	}
	for _, f := range slices.Sorted(maps.Keys(out.Omitted)) {
		add(f, "not sent to "+target+": "+out.Omitted[f])
	}
	for _, f := range slices.Sorted(maps.Keys(out.Cleared)) {
		add(f, "sent empty to "+target+": "+out.Cleared[f])
	}
	return ws
}
