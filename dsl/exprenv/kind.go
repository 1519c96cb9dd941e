package exprenv

import "fmt"

// Kind says what a program is for; it decides the variables in scope and the
// result type the program must produce.
type Kind string

const (
	ToCanonical   Kind = "to_canonical"   // system value -> canonical value
	FromCanonical Kind = "from_canonical" // canonical value -> system value
	Scope         Kind = "scope"          // canonical record in sync scope? (bool)
	Enabled       Kind = "enabled"        // object sync switched on by settings? (bool)
	DeriveEach    Kind = "derive_each"    // source record -> list of derived items
	DeriveID      Kind = "derive_id"      // stable id of one derived item (string)
)

// Kinds lists every kind, for documentation and tests.
var Kinds = []Kind{ToCanonical, FromCanonical, Scope, Enabled, DeriveEach, DeriveID}

// variables returns the names a program of this kind may use.
func (k Kind) variables() ([]string, error) {
	switch k {
	case ToCanonical:
		return []string{"value", "record", "settings", RelatedVar}, nil
	case FromCanonical:
		return []string{"value", "record", "settings"}, nil
	case Scope, DeriveEach:
		return []string{"record", "settings"}, nil
	case Enabled:
		return []string{"settings"}, nil
	case DeriveID:
		return []string{"record", "item"}, nil
	}
	return nil, fmt.Errorf("exprenv: unknown program kind %q", string(k))
}
