// Package exprenv is the environment of the per-record expressions written in
// mapping files: field transforms (to_canonical, from_canonical), sync scope
// and enablement conditions, and derived records. Programs are
// github.com/expr-lang/expr programs, compiled once (at load time by package
// dsl, again at run time by the record mapper from the plan) against a typed
// environment, so a misspelt field or a wrong result type is a compile error
// and never a run-time panic.
//
// Variables, by kind of program:
//
//	to_canonical    value (raw field value), record (raw system record), settings
//	from_canonical  value (canonical value), record (canonical record), settings
//	scope           record (canonical record), settings
//	enabled         settings
//	derive_each     record (raw system record), settings
//	derive_id       record (raw system record), item (one element of derive_each)
//
// Helpers: is_mac, mac, macs, reject, trim, lower, upper, digits, coalesce,
// join, split, date, datetime, date_format, date_parse (see helpers.go).
package exprenv
