package plan

import (
	"fmt"
	"slices"
	"strings"
)

// Offered reports whether the system offers a sync direction for this
// object. Every object offers DirNone (a sync that carries nothing), and
// an object that declares no offers offers every direction.
func (o Object) Offered(direction string) bool {
	if direction == DirNone || len(o.Offers) == 0 {
		return true
	}
	return slices.Contains(o.Offers, direction)
}

// OfferProblem says why a system refuses a sync direction for one of its
// objects; "" when the direction is offered. It is the one owner of the
// check: mapping validation and a run's opening both call it.
func OfferProblem(system string, o Object, direction string) string {
	if o.Offered(direction) {
		return ""
	}
	return fmt.Sprintf("system %s does not offer a %s sync of %s: it offers %s", system, direction, o.Name, strings.Join(o.Offers, ", "))
}

// CheckOffers lists the objects of a sync whose direction one of its
// systems does not offer (plan.Object.Offers).
func CheckOffers(s Sync, psa, doc System) []Problem {
	var out []Problem
	for _, os := range s.Objects {
		for _, sys := range []System{psa, doc} {
			i := slices.IndexFunc(sys.Objects, func(o Object) bool { return o.Name == os.Object })
			if i < 0 {
				continue
			}
			if msg := OfferProblem(sys.Name, sys.Objects[i], os.Direction); msg != "" {
				out = append(out, Problem{Place: Place{Sync: s.Name, Object: os.Object, Attr: "direction"}, Message: msg})
			}
		}
	}
	return out
}
