package workflows

import "slices"

// recordObjects are the objects of a record run's records, in the order
// first named.
func recordObjects(recs []RecordRef) []string {
	var out []string
	for _, r := range recs {
		if !slices.Contains(out, r.Object) {
			out = append(out, r.Object)
		}
	}
	return out
}

// objectRecords are the records of one object.
func objectRecords(recs []RecordRef, object string) []RecordRef {
	var out []RecordRef
	for _, r := range recs {
		if r.Object == object {
			out = append(out, r)
		}
	}
	return out
}
