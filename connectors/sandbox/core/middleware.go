package core

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// WrapOptions configure Wrap. Every field is optional.
type WrapOptions struct {
	// Base is the API path prefix ("/v4_6_release/apis/3.0"), stripped from
	// paths and route patterns in the log and in fault matching.
	Base string
	// Log receives one count per request.
	Log *Log
	// Faults decides what to inject; nil injects nothing.
	Faults *Injector
	// ErrorBody renders the body of an injected error in the system's own
	// shape; nil sends a plain-text body.
	ErrorBody func(status int, message string) (contentType string, body []byte)
}

// Wrap returns a handler that serves mux with request counting and fault
// injection. The route of a request is the mux pattern it matches (method
// and Base removed): "/company/configurations/{id}".
//
// For a dropped response (timeout_after_commit) the handler runs to
// completion into a discarded buffer and the connection is then aborted
// with http.ErrAbortHandler: an HTTP/1.1 client sees the connection closed
// before any response byte (io.EOF, "connection reset"), an HTTP/2 client a
// stream reset. No byte of the response reaches the client.
func Wrap(mux *http.ServeMux, o WrapOptions) http.Handler {
	return WrapRouter(muxRouter{mux}, o)
}

// Router is a handler that can name the route pattern a request matches,
// for sandboxes whose routes http.ServeMux cannot express.
type Router interface {
	http.Handler
	// Route returns the path pattern r matches ("/api/items/{id}"; a leading
	// "METHOD " is allowed), or "" when nothing but a catch-all matches.
	Route(r *http.Request) string
}

// WrapRouter is Wrap for any Router.
func WrapRouter(rt Router, o WrapOptions) http.Handler {
	return &wrapped{rt: rt, o: o}
}

type muxRouter struct{ mux *http.ServeMux }

func (m muxRouter) ServeHTTP(w http.ResponseWriter, r *http.Request) { m.mux.ServeHTTP(w, r) }
func (m muxRouter) Route(r *http.Request) string {
	_, pat := m.mux.Handler(r)
	return pat
}

type wrapped struct {
	rt Router
	o  WrapOptions
}

// RouteOf returns the route pattern of r on mux relative to base ("" when
// only a catch-all or nothing matches).
func RouteOf(mux *http.ServeMux, r *http.Request, base string) string {
	return routeOf(muxRouter{mux}, r, base)
}

func routeOf(rt Router, r *http.Request, base string) string {
	pat := rt.Route(r)
	if _, p, ok := strings.Cut(pat, " "); ok {
		pat = p
	}
	if i := strings.Index(pat, "/"); i > 0 { // host-qualified pattern
		pat = pat[i:]
	}
	pat = strings.TrimPrefix(pat, base)
	if pat == "/" || pat == "" {
		return ""
	}
	return pat
}

func (w *wrapped) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	pattern := routeOf(w.rt, r, w.o.Base)
	rel := strings.TrimPrefix(r.URL.Path, w.o.Base)
	route := r.Method + " " + pattern
	if pattern == "" {
		route = r.Method + " (unmatched)"
	}
	d := w.o.Faults.Decide(r.Method, rel, pattern)
	fault := ""
	if d.Latency > 0 {
		fault = kindLatency
		t := time.NewTimer(d.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
		}
	}
	if d.Status != 0 {
		w.sendError(rw, d)
		w.record(route, d.Status, strconv.Itoa(d.Status))
		return
	}
	if d.DropAfter {
		dw := &discardWriter{h: http.Header{}}
		w.rt.ServeHTTP(dw, r)
		w.record(route, dw.statusOr200(), kindTimeout)
		panic(http.ErrAbortHandler)
	}
	sw := &statusWriter{ResponseWriter: rw}
	w.rt.ServeHTTP(sw, r)
	w.record(route, sw.statusOr200(), fault)
}

func (w *wrapped) record(route string, status int, fault string) {
	if w.o.Log != nil {
		w.o.Log.Record(route, status, fault)
	}
}

func (w *wrapped) sendError(rw http.ResponseWriter, d Decision) {
	msg := http.StatusText(d.Status) + " (injected by the sandbox fault layer)"
	if d.Status == http.StatusTooManyRequests || d.Status == http.StatusServiceUnavailable {
		rw.Header().Set("Retry-After", strconv.Itoa(d.RetryAfter))
	}
	ctype, body := "text/plain; charset=utf-8", []byte(msg+"\n")
	if w.o.ErrorBody != nil {
		ctype, body = w.o.ErrorBody(d.Status, msg)
	}
	rw.Header().Set("Content-Type", ctype)
	rw.Header().Set("Content-Length", strconv.Itoa(len(body)))
	rw.WriteHeader(d.Status)
	_, _ = rw.Write(body)
}

// statusWriter remembers the status a handler sends.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Flush forwards to the underlying writer when it can flush.
func (s *statusWriter) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Hijack forwards to the underlying writer when it can hijack.
func (s *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if h, ok := s.ResponseWriter.(http.Hijacker); ok {
		return h.Hijack()
	}
	return nil, nil, errors.New("sandbox core: response writer cannot hijack")
}

func (s *statusWriter) statusOr200() int {
	if s.status == 0 {
		return http.StatusOK
	}
	return s.status
}

// discardWriter runs a handler whose response will be lost.
type discardWriter struct {
	h      http.Header
	status int
}

func (d *discardWriter) Header() http.Header { return d.h }
func (d *discardWriter) WriteHeader(code int) {
	if d.status == 0 {
		d.status = code
	}
}
func (d *discardWriter) Write(b []byte) (int, error) {
	if d.status == 0 {
		d.status = http.StatusOK
	}
	return len(b), nil
}
func (d *discardWriter) statusOr200() int {
	if d.status == 0 {
		return http.StatusOK
	}
	return d.status
}
