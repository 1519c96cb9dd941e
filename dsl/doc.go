// Package dsl reads mapping files: the HCL language in which mapsync declares
// canonical object types, the systems it talks to and the syncs between them.
//
// LoadDir and LoadFiles parse every file, decode each block into a struct
// that keeps its source ranges, then validate the set as a whole (names,
// references, reference cycles, enum values, per-record expressions compiled
// with package exprenv). Every problem is reported as an hcl.Diagnostic that
// points at the tightest range; loading never stops at the first one.
//
// The package knows no system by name: everything system-specific lives in
// the mapping files. The language reference is docs/mapping-language.md.
package dsl
