package connectors

import (
	"net/http"

	"mapsync/engine/plan"
)

// The envelope of a request: an object or a lookup may declare its own
// (plan.Object.Envelope, plan.Lookup.Envelope, already merged over the
// system's by the compiler); every other request uses the system's.

// objEnvelope is the envelope of an object's requests.
func (c *Client) objEnvelope(obj *plan.Object) *plan.Envelope {
	if obj != nil && obj.Envelope != nil {
		return obj.Envelope
	}
	return &c.sys.Envelope
}

// lookupEnvelope is the envelope of a lookup's requests.
func (c *Client) lookupEnvelope(l *plan.Lookup) *plan.Envelope {
	if l != nil && l.Envelope != nil {
		return l.Envelope
	}
	return &c.sys.Envelope
}

// envOf is the envelope of a call.
func (c *Client) envOf(cl call) *plan.Envelope {
	if cl.env != nil {
		return cl.env
	}
	return &c.sys.Envelope
}

// bodyStatus is the status a failure body states at the envelope's status
// path (an API answering HTTP 200 with {"success": false, "status": 503}).
// ok is false when the envelope names no such path or the body holds no
// error status (4xx or 5xx) there.
func bodyStatus(env *plan.Envelope, parsed any) (int, bool) {
	if env == nil || env.Status == "" {
		return 0, false
	}
	v, found := Value(parsed, env.Status)
	n, isInt := toInt(v)
	if !found || !isInt || n < 400 || n > 599 {
		return 0, false
	}
	return n, true
}

// failedInBody reports, for a 2xx body just read, whether the envelope's
// success flag says it failed, and the status the body states (0 if none).
func (c *Client) failedInBody(cl call, body []byte) (status int, failed bool) {
	env := c.envOf(cl)
	if env.Success == "" || env.Status == "" {
		return 0, false // without a stated status there is nothing to retry
	}
	parsed, err := decodeBody(body)
	if err != nil || flagTrue(parsed, env.Success) {
		return 0, false
	}
	s, _ := bodyStatus(env, parsed)
	return s, true
}

// refused reports whether a response refused the call's token: HTTP 401,
// or a 2xx whose body states 401 (failures inside HTTP 200).
func (c *Client) refused(cl call, resp *response) bool {
	if resp.status == http.StatusUnauthorized {
		return true
	}
	if resp.status >= 300 {
		return false
	}
	s, failed := c.failedInBody(cl, resp.body)
	return failed && s == http.StatusUnauthorized
}

// recordAt is the record at path of a response body: an object, or the
// first element of a list there (an API that answers a write of one record
// with an array).
func recordAt(body any, path string) (Record, bool) {
	v, ok := Value(body, path)
	if !ok {
		return nil, false
	}
	if l, isList := v.([]any); isList && len(l) > 0 {
		v = l[0]
	}
	rec, isObj := v.(map[string]any)
	return rec, isObj
}

// orSystem is an object's or lookup's own paging, else the system's.
func orSystem(own *plan.Paging, sys plan.Paging) plan.Paging {
	if own != nil {
		return *own
	}
	return sys
}
