// Package records maps one system's records of one object type to the
// canonical model and back, as a compiled plan declares it. It knows no
// product by name: paths, transforms, lookups and scope all come from the
// plan.
//
// Reading (Mapper.Map) turns a raw record, as the connector decoded it, into
// a Row for the staging tables of package match: canonical values by field,
// the record's id and timestamps, the raw JSON, the fields whose value was
// rejected (reject() in a to_canonical expression, a value that does not fit
// its canonical type, an expression that failed on this record) with the
// reason, and the reason the record is out of the sync's scope.
//
// Canonical values are normalised so that equal data compares equal across
// systems: empty strings, lists and objects are absent (nil); ids and ref
// values are strings; dates are YYYY-MM-DD and datetimes RFC 3339 in UTC;
// lists of references are sorted.
//
// Writing (Writer.Prepare) turns canonical values into the system's write
// fields (write path -> wire value) for connectors.Client.Create/Update:
// from_canonical transforms, lookups from label to id with the lookup's
// missing-value policy, create_only and read-only fields left out of
// updates, and required_on_create checks (a create missing a required field
// is invalid and must not be sent).
//
// Every expression is compiled once, by New. Nothing here panics on a
// record: an expression that fails at run time makes the field invalid (or,
// for the scope, the record out of scope) with the error as the reason.
package records
