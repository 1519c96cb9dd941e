package workflows

import "go.temporal.io/sdk/temporal"

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
)

// SearchAttributeNames are the Keyword search attributes mapsync's
// workflows set.
func SearchAttributeNames() []string {
	return []string{saSync.GetName(), saObject.GetName(), saMode.GetName(), saPlanHash.GetName(), saWatcher.GetName()}
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
