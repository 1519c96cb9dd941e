package plan

import (
	"strings"
)

// This file holds the wire shapes a system's objects and logins may
// declare beyond the system-wide defaults: per-object write shapes (method,
// route, body shape, where the result is), OAuth2 client credentials and
// token refresh.

// Body shapes of a single-record write (WriteShape.Body). BodyWrapped is a
// prefix: "object:contact" sends {"contact": {...}}.
const (
	BodyObject    = "object"     // the record as a bare JSON object
	BodyWrapped   = "object:"    // {"<member>": {...}}
	BodyArray     = "array"      // [ {...} ], even for one record
	BodyPartial   = "partial"    // {id, changed fields}
	BodyJSONPatch = "json_patch" // RFC 6902 array (updates only)
	BodyJSONAPI   = "jsonapi"    // {"data":{"type","id","attributes"}}
	BodyWhole     = "whole"      // the whole record, read first and changed (updates only)
)

// WriteShape says how one kind of single-record write (create or update)
// goes on the wire. Every attribute left empty takes the value of the
// object's write style (WriteShapeOf): declaring `update { method = "PUT" }`
// changes only the method.
type WriteShape struct {
	Method string `json:"method,omitempty"` // POST | PUT | PATCH
	// Path is the route: an item route ({id}) or a collection route, the
	// id then travelling in the body (or upsert by POST: the id decides).
	Path string `json:"path,omitempty"`
	Body string `json:"body,omitempty"` // one of BodyShapes
	// Item is where the written record is in the response (nil = the
	// envelope's item path; "" = the whole body). A one-element list
	// there is that element.
	Item *string `json:"item,omitempty"`
	// ID is where a create's response holds the new id when it holds no
	// record (nil = the envelope's created_id).
	ID *string `json:"id,omitempty"`
	// Reread reads the record again after a write whose response holds
	// no record (an API answering 204 or only an id).
	Reread bool `json:"reread,omitempty"`
	// ContentType is the media type of this write's body ("" = the
	// system's content_type), e.g. application/json-patch+json.
	ContentType string `json:"content_type,omitempty"`
	// Defaults (creates only) is a JSON object of members a create sends
	// when no field of the record gives them (a value the API requires
	// that the other system does not hold); string values may hold
	// ${var.NAME}.
	Defaults string `json:"defaults,omitempty"`
}

// ParseBodyShape checks a body shape and returns its kind (one of the Body
// constants, BodyWrapped for "object:<member>") and, for BodyWrapped, the
// member name.
func ParseBodyShape(s string) (kind, member string, err error) {
	if m, ok := strings.CutPrefix(s, BodyWrapped); ok && m != "" {
		return BodyWrapped, m, nil
	}
	switch s {
	case BodyObject, BodyArray, BodyPartial, BodyJSONPatch, BodyJSONAPI, BodyWhole:
		return s, "", nil
	}
	return "", "", BodyShapes.Check(s)
}

// BodyCarriesID reports whether an update body of this kind can carry the
// record's id, which a route without {id} (a collection route, an upsert)
// needs.
func BodyCarriesID(kind string) bool {
	switch kind {
	case BodyJSONPatch:
		return false
	}
	return true
}

// ItemRoute is the route of one record: item_path, or list_path/{id}.
func (o Object) ItemRoute() string {
	if o.ItemPath != "" {
		return o.ItemPath
	}
	return strings.TrimRight(o.ListPath, "/") + "/{id}"
}

func orElse(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// CreateShape is the object's single-record create: the write style's
// preset (POST to create_path, a bare object or a JSON:API document) with
// the object's create block over it.
func (o Object) CreateShape() WriteShape {
	w := WriteShape{Method: "POST", Path: orElse(o.CreatePath, o.ListPath), Body: BodyObject}
	if o.Write == WriteJSONAPI {
		w.Body = BodyJSONAPI
	}
	return over(w, o.Create)
}

// UpdateShape is the object's single-record update: the write style's
// preset with the object's update block over it. Body is "" when the
// object cannot update (write "none" and no update block body).
func (o Object) UpdateShape() WriteShape {
	var w WriteShape
	switch o.Write {
	case WriteJSONPatch:
		w = WriteShape{Method: "PATCH", Path: orElse(o.UpdatePath, o.ItemRoute()), Body: BodyJSONPatch}
	case WriteJSONAPI:
		w = WriteShape{Method: "PATCH", Path: orElse(o.UpdatePath, o.ItemRoute()), Body: BodyJSONAPI}
	case WritePartialPatch:
		w = WriteShape{Method: "PATCH", Path: orElse(o.UpdatePath, o.ListPath), Body: BodyPartial}
	case WritePut:
		w = WriteShape{Method: "PUT", Path: orElse(o.UpdatePath, o.ItemRoute()), Body: BodyWhole}
	default:
		w = WriteShape{Method: "PATCH", Path: orElse(o.UpdatePath, o.ItemRoute())}
	}
	return over(w, o.Update)
}

// Writable reports whether the object can be written at all: a write
// style other than none, or its own create or update shape.
func (o Object) Writable() bool {
	return (o.Write != "" && o.Write != WriteNone) || o.Create != nil || o.Update != nil
}

func over(w WriteShape, o *WriteShape) WriteShape {
	if o == nil {
		return w
	}
	w.Method = strings.ToUpper(orElse(o.Method, w.Method))
	w.Path = orElse(o.Path, w.Path)
	w.Body = orElse(o.Body, w.Body)
	if o.Item != nil {
		w.Item = o.Item
	}
	if o.ID != nil {
		w.ID = o.ID
	}
	w.Reread = w.Reread || o.Reread
	w.ContentType = orElse(o.ContentType, w.ContentType)
	w.Defaults = orElse(o.Defaults, w.Defaults)
	return w
}

// OAuth2 is the OAuth 2.0 client-credentials grant (RFC 6749 section
// 4.4): a form POST to TokenURL, then a bearer token, renewed on expiry or
// a 401 (with the refresh token when the server returned one).
type OAuth2 struct {
	TokenURL     Template            `json:"token_url"`
	ClientID     Template            `json:"client_id"`
	ClientSecret Template            `json:"client_secret"`
	Scopes       []string            `json:"scopes,omitempty"`
	Params       map[string]Template `json:"params,omitempty"` // extra form fields (audience, resource)
	// Credentials is where the client's id and secret go: "body" (form
	// fields, the default) or "basic" (an Authorization: Basic header).
	Credentials string `json:"credentials,omitempty"`
}

// TokenRefresh renews a token with the refresh token of the last login,
// before logging in again with the credentials. Fields may hold
// ${refresh_token}.
type TokenRefresh struct {
	TokenPath string              `json:"token_path"`     // where the login's answer holds the refresh token
	Path      string              `json:"path,omitempty"` // route of the refresh (default: the login's)
	URL       Template            `json:"url,omitempty"`  // absolute address instead of Path
	Encoding  string              `json:"encoding,omitempty"`
	Fields    map[string]Template `json:"fields"`
}
