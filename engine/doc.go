// Package engine turns a loaded mapping set (package dsl) into a plan
// (package engine/plan): pure data, sorted, with its object stages in
// reference order, every field of every object pair resolved, and a content
// hash. The same mapping files give the same plan and hash whatever order
// they are read in.
package engine
