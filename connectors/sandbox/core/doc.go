// Package core holds what every sandbox shares: fault injection, a request
// log, a middleware that applies both, helpers to serve a handler on loopback
// (optionally over HTTPS with a generated certificate), an id-ordered JSON
// record store and fixture dump/load.
//
// A sandbox builds its routes on an *http.ServeMux, wraps the mux with Wrap
// and serves the result with Start:
//
//	log := core.NewLog()
//	inj := core.NewInjector(seed, faults)
//	h := core.Wrap(mux, core.WrapOptions{Base: "/api", Log: log, Faults: inj, ErrorBody: body})
//	srv, err := core.Start(h, core.ServeOptions{TLS: true})
//
// Nothing in this package holds global mutable state.
package core
