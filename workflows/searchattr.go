package workflows

import (
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
)

// Search attributes set on every run, so runs can be filtered in the UI
// (e.g. MapsyncSync = "connectwise_itglue" AND MapsyncMode = "full"). They
// must exist on the namespace: SearchAttributeNames lists them for
// registration.
var (
	saSync     = temporal.NewSearchAttributeKeyKeyword("MapsyncSync")
	saObject   = temporal.NewSearchAttributeKeyKeyword("MapsyncObject")
	saMode     = temporal.NewSearchAttributeKeyKeyword("MapsyncMode")
	saPlanHash = temporal.NewSearchAttributeKeyKeyword("MapsyncPlanHash")
	// saWatcher is "true" on a sync's watcher (workflow Watch).
	saWatcher = temporal.NewSearchAttributeKeyKeyword("MapsyncWatcher")
	// After a run is published: the sync's active pauses ("object" or
	// "object:type", "*" for every object) and the link states present
	// ("object:state"), e.g. MapsyncLinkStates = "configuration:paused".
	saPaused     = temporal.NewSearchAttributeKeyKeywordList("MapsyncPaused")
	saLinkStates = temporal.NewSearchAttributeKeyKeywordList("MapsyncLinkStates")
)

// SearchAttributeNames are the search attributes mapsync's workflows set.
func SearchAttributeNames() []string {
	return []string{saSync.GetName(), saObject.GetName(), saMode.GetName(), saPlanHash.GetName(), saWatcher.GetName(), saPaused.GetName(), saLinkStates.GetName()}
}

// SearchAttributeTypes are the search attributes mapsync's workflows set,
// with their types, for registration on a namespace.
func SearchAttributeTypes() map[string]enumspb.IndexedValueType {
	out := map[string]enumspb.IndexedValueType{}
	for _, n := range SearchAttributeNames() {
		out[n] = enumspb.INDEXED_VALUE_TYPE_KEYWORD
	}
	out[saPaused.GetName()] = enumspb.INDEXED_VALUE_TYPE_KEYWORD_LIST
	out[saLinkStates.GetName()] = enumspb.INDEXED_VALUE_TYPE_KEYWORD_LIST
	return out
}

// stateAttributes are the search attributes of the sync's controls and
// link states once a run is committed; an empty list unsets one.
func stateAttributes(c CommitResult) []temporal.SearchAttributeUpdate {
	up := func(k temporal.SearchAttributeKeyKeywordList, v []string) temporal.SearchAttributeUpdate {
		if len(v) == 0 {
			return k.ValueUnset()
		}
		return k.ValueSet(v)
	}
	return []temporal.SearchAttributeUpdate{up(saPaused, c.Paused), up(saLinkStates, c.LinkStates)}
}

func runAttributes(sync, mode, hash string) []temporal.SearchAttributeUpdate {
	return []temporal.SearchAttributeUpdate{saSync.ValueSet(sync), saMode.ValueSet(mode), saPlanHash.ValueSet(hash)}
}

// StartAttributes are the search attributes a starter sets on a new run,
// so it can be found before its first workflow task ran.
func StartAttributes(in SyncInput) temporal.SearchAttributes {
	return temporal.NewSearchAttributes(saSync.ValueSet(in.Sync), saMode.ValueSet(modeAttribute(in)), saPlanHash.ValueSet(in.PlanHash))
}

// ModeRecord is the MapsyncMode search attribute of a record run.
const ModeRecord = "record"

// modeAttribute is a run's MapsyncMode: its mode, or "record" for a
// record run (SyncInput.Records).
func modeAttribute(in SyncInput) string {
	switch {
	case len(in.Records) > 0:
		return ModeRecord
	case in.Mode == "":
		return ModeIncremental
	}
	return in.Mode
}

// WatchAttributes are the search attributes a starter sets on a watcher.
func WatchAttributes(in WatchInput) temporal.SearchAttributes {
	return temporal.NewSearchAttributes(saSync.ValueSet(in.Sync), saWatcher.ValueSet("true"), saPlanHash.ValueSet(in.PlanHash))
}
