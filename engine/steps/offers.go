package steps

import (
	"errors"

	"mapsync/engine/match"
	"mapsync/engine/plan"
)

// checkOffers refuses a sync object whose direction one of the systems
// does not offer for it (plan.OfferProblem: the check validate makes).
func (r *Run) checkOffers() error {
	var errs []error
	for _, p := range plan.CheckOffers(r.sync, r.systems[match.PSA], r.systems[match.Doc]) {
		errs = append(errs, errors.New(p.Message))
	}
	return errors.Join(errs...)
}
