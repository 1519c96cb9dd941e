package local

import (
	"fmt"
	"time"
)

// docTypes are the documentation sandbox's resource types of the canonical
// objects of the shipped mappings.
var docTypes = map[string]string{"organization": "organizations", "location": "locations", "contact": "contacts", "configuration": "configurations", "ticket": "tickets"}

// ChangedSince counts, in the sandboxes' stores (no request is made or
// logged), the records of a canonical object on a side ("psa", "doc")
// updated after since (zero: every record), and for records the PSA keeps
// under a parent (sites under companies) the distinct parents holding
// them (0 otherwise). The benchmark's minimum is computed from it.
func (s *Systems) ChangedSince(side, object string, since time.Time) (records, parents int, err error) {
	switch side {
	case SidePSA:
		return s.psa.changedSince(object, since)
	case SideDoc:
		t, ok := docTypes[object]
		if !ok {
			return 0, 0, fmt.Errorf("sandbox: object %q not supported", object)
		}
		return s.ITGlue.ChangedSince(t, since), 0, nil
	}
	return 0, 0, fmt.Errorf("sandbox: unknown side %q", side)
}
