package plan

import (
	"errors"
	"fmt"
	"strings"
)

// Problem is something in a plan that the runtime refuses to run, found by
// the runtime's own checks (connectors.CheckSystem, match.CheckObject,
// records.Check, records.CheckFlags). The same checks run when mapping files
// are loaded (engine.LoadDir) and when a run opens, so validate rejects
// exactly what a run would. Place says where the problem applies, which the
// loader turns into a file:line:col.
type Problem struct {
	Place   Place
	Message string
}

// Place names the declaration a Problem applies to. System or Sync is set;
// the other members narrow it down. Attr is an attribute or nested block of
// the innermost named declaration ("filter", "narrow", "bulk.create"); ""
// means the declaration itself. Value, for a list attribute, is the element
// concerned.
type Place struct {
	System string `json:"system,omitempty"`
	Sync   string `json:"sync,omitempty"`
	Object string `json:"object,omitempty"` // object of the system or of the sync
	Field  string `json:"field,omitempty"`  // field of that object
	Lookup string `json:"lookup,omitempty"` // lookup of the system
	Rule   string `json:"rule,omitempty"`   // match rule of the sync's object
	Attr   string `json:"attr,omitempty"`
	Value  string `json:"value,omitempty"`
}

// String is the place in words: system "a" object "b" field "c".
func (p Place) String() string {
	var parts []string
	add := func(kind, name string) {
		if name != "" {
			parts = append(parts, fmt.Sprintf("%s %q", kind, name))
		}
	}
	add("system", p.System)
	add("sync", p.Sync)
	add("object", p.Object)
	add("field", p.Field)
	add("lookup", p.Lookup)
	add("rule", p.Rule)
	return strings.Join(parts, " ")
}

func (p Problem) Error() string {
	if w := p.Place.String(); w != "" {
		return w + ": " + p.Message
	}
	return p.Message
}

// Err joins problems into one error, nil when there are none.
func Err(ps []Problem) error {
	if len(ps) == 0 {
		return nil
	}
	errs := make([]error, len(ps))
	for i, p := range ps {
		errs[i] = p
	}
	return errors.Join(errs...)
}
