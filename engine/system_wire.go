package engine

import (
	"mapsync/dsl"
	"mapsync/engine/plan"
)

// compileObjectWire puts an object's own protocol into its plan: the
// envelope block merged over the system's, and the create and update
// shapes (the connector lays them over the write style's preset).
func compileObjectWire(s *dsl.System, o *dsl.Object, out *plan.Object) {
	if o.Envelope != nil {
		env := o.Envelope.Over(s.Envelope)
		out.Envelope = &env
	}
	out.Create, out.Update = o.Create, o.Update
	out.Paging = o.Paging
	out.RateLimit = o.RateLimit
}

// compileLookupWire merges a lookup's envelope block over the system's.
func compileLookupWire(s *dsl.System, l *dsl.Lookup, out *plan.Lookup) {
	out.Paging = l.PagingBlock
	if l.EnvelopeBlock != nil {
		env := l.EnvelopeBlock.Over(s.Envelope)
		out.Envelope = &env
	}
}
