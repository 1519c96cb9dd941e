package dsl

import (
	"fmt"

	"mapsync/engine/plan"
)

// FieldDirection resolves the direction of one canonical field of an object
// pair: the object's direction, or the field's override, narrowed by what
// each side allows (a field that is read-only in the PSA never goes to the
// PSA). It returns a problem when an explicit override asks for more than
// the object or the two sides allow; implicit narrowing is silent.
func FieldDirection(object, override string, psa, doc *Field) (string, string) {
	dir := object
	if override != "" {
		if _, ok := plan.ClampDirection(object, override); !ok {
			return object, fmt.Sprintf("the object syncs %s, so a field of it cannot sync %s", object, override)
		}
		dir = override
	}
	canToDoc := psa.Access != plan.FieldWrite && doc.Access != plan.FieldRead
	canToPSA := doc.Access != plan.FieldWrite && psa.Access != plan.FieldRead
	want := dir
	dir = plan.NarrowDirection(dir, canToDoc, canToPSA)
	if override != "" && dir != want {
		return dir, fmt.Sprintf("%s is not possible: the PSA side has access %q and the documentation side %q", want, psa.Access, doc.Access)
	}
	return dir, ""
}
