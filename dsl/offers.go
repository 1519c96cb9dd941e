package dsl

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"mapsync/engine/plan"
)

// Sync directions a system offers per object.
//
//	object "organization" {
//	  offers            = ["to_doc"] // a one-way PSA
//	  default_direction = "to_doc"
//	}
//
// A sync object whose direction the system does not offer is refused (by
// validate and by the run, through plan.OfferProblem); a sync object that
// states no direction gets the PSA object's default_direction, else the
// documentation object's, else two_way.

// decodeOffers reads offers and default_direction. default_direction
// must be offered; without it the default is two_way when offered, else
// the first direction offered.
func (o *Object) decodeOffers() hcl.Diagnostics {
	var diags hcl.Diagnostics
	if a, ok := o.attrs["offers"]; ok {
		list, ranges, d := decodeStringList(a)
		diags = append(diags, d...)
		for i, dir := range list {
			if bad := checkEnum(dir, "direction", ranges[i], directions); bad != nil {
				diags = append(diags, bad)
				continue
			}
			o.Offers = append(o.Offers, dir)
		}
		if len(list) == 0 && !d.HasErrors() {
			diags = append(diags, errorAt(a.Expr.Range(), "Empty offers",
				"offers lists the sync directions the system offers for %s; an object offering none should not be declared.", o.Name))
		}
	}
	if a, ok := o.attrs["default_direction"]; ok {
		d := setEnum(&o.DefaultDirection, a, directions)
		diags = append(diags, d...)
		if !d.HasErrors() && !(plan.Object{Name: o.Name, Offers: o.Offers}).Offered(o.DefaultDirection) {
			diags = append(diags, errorAt(a.Expr.Range(), "Default direction not offered",
				"default_direction %q of %s is not among its offers (%s).", o.DefaultDirection, o.Name, strings.Join(o.Offers, ", ")))
		}
	}
	if o.DefaultDirection == "" && len(o.Offers) > 0 && !slices.Contains(o.Offers, plan.DirTwoWay) {
		o.DefaultDirection = o.Offers[0]
	}
	return diags
}

// resolveDirections gives every sync object that states no direction its
// systems' default (the PSA object's, else the documentation object's),
// with the create policies that direction implies, and reports explicit
// create policies the resolved direction rules out.
func (c *Config) resolveDirections() hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, name := range keys(c.Syncs) {
		s := c.Syncs[name]
		for _, o := range s.Objects {
			if o.HasAttr("direction") {
				continue
			}
			def := ""
			for _, sys := range []string{s.PSA, s.Doc} {
				if sy := c.Systems[sys]; sy != nil && def == "" {
					if so := sy.Object(o.Name); so != nil {
						def = so.DefaultDirection
					}
				}
			}
			if def == "" || def == o.Direction {
				continue
			}
			o.Direction = def
			diags = append(diags, o.applyDirectionDefaults(true)...)
		}
	}
	return diags
}

// applyDirectionDefaults sets the create policies a sync object's
// direction implies, unless they are written; with recheck (a direction
// resolved after decoding) it refuses written ones the direction rules
// out, as the decoder does for a written direction.
func (o *SyncObject) applyDirectionDefaults(recheck bool) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if !o.HasAttr("create_in_psa") {
		// create_in_psa defaults to what the direction allows: a two-way
		// sync pushes new documentation records only once a user
		// confirmed them.
		switch o.Direction {
		case plan.DirTwoWay:
			o.CreateInPSA = plan.CreateConfirmed
		case plan.DirToPSA:
			o.CreateInPSA = plan.CreateAlways
		default:
			o.CreateInPSA = plan.CreateNever
		}
	} else if recheck && o.CreateInPSA != plan.CreateNever && (o.Direction == plan.DirToDoc || o.Direction == plan.DirNone) {
		diags = append(diags, errorAt(o.AttrRange("create_in_psa"), "PSA creates in a one-way sync",
			"Object %q syncs %s, so nothing is written to the PSA: create_in_psa must be \"never\".", o.Name, o.Direction))
	}
	if !o.HasAttr("create_in_doc") {
		o.CreateInDoc = o.Direction == plan.DirTwoWay || o.Direction == plan.DirToDoc
	} else if recheck && o.CreateInDoc && (o.Direction == plan.DirToPSA || o.Direction == plan.DirNone) {
		diags = append(diags, errorAt(o.AttrRange("create_in_doc"), "Documentation creates in a one-way sync",
			"Object %q syncs %s, so nothing is written to the documentation system: create_in_doc must be false.", o.Name, o.Direction))
	}
	return diags
}

// validateOffers refuses a sync object whose direction a system does not
// offer (plan.OfferProblem, the check a run makes too).
func validateOffers(s *Sync, o *SyncObject, sides ...*System) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, sys := range sides {
		so := sys.Object(o.Name)
		if so == nil {
			continue
		}
		msg := plan.OfferProblem(sys.Name, plan.Object{Name: so.Name, Offers: so.Offers}, o.Direction)
		if msg == "" {
			continue
		}
		rng, how := o.AttrRange("direction"), ""
		if !o.HasAttr("direction") {
			rng, how = o.NameRange, fmt.Sprintf(" (sync %s states no direction, so it is %s)", s.Name, o.Direction)
		}
		diags = append(diags, errorAt(rng, "Direction not offered by the system",
			"%s%s. Set direction to one of them, or leave the object out of sync %q.", upperFirst(msg), how, s.Name))
	}
	return diags
}

// missingObject is the message for a sync object a system does not map:
// it names what the system does offer.
func missingObject(s *Sync, o *SyncObject, sys *System) string {
	names := make([]string, 0, len(sys.Objects))
	for _, so := range sys.Objects {
		names = append(names, so.Name)
	}
	offers := "no object at all"
	if len(names) > 0 {
		offers = strings.Join(names, ", ")
	}
	return fmt.Sprintf("System %s has no object %s: it offers %s. Sync %q cannot sync %s; leave it out of the sync.", sys.Name, o.Name, offers, s.Name, o.Name)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
