package plan

import (
	"fmt"
	"slices"
	"strings"
)

// A Vocab is one closed set of names the mapping language accepts for an
// attribute or a block label (normalizers, filter dialects, write styles,
// ...). Each vocabulary is defined here, once: validation (package dsl)
// offers exactly these names, and every runtime keyed by a name (the
// connector's dialects, matching's normalizer SQL) is tested to implement
// exactly these names.
type Vocab struct {
	what  string   // what a name is, for messages: "filter dialect"
	names []string // in documentation order
}

func newVocab(what string, names ...string) Vocab { return Vocab{what: what, names: names} }

// What says what the names are ("filter dialect").
func (v Vocab) What() string { return v.what }

// Names returns the names in documentation order (a copy).
func (v Vocab) Names() []string { return slices.Clone(v.names) }

// Has reports whether s is one of the names.
func (v Vocab) Has(s string) bool { return slices.Contains(v.names, s) }

// Check returns nil for a name of the vocabulary, else an error whose
// message lists the allowed names.
func (v Vocab) Check(s string) error {
	if v.Has(s) {
		return nil
	}
	return fmt.Errorf("%s %q is not one of %s", v.what, s, v.List())
}

// List is the names quoted and comma separated: "a", "b", "c".
func (v Vocab) List() string {
	q := make([]string, len(v.names))
	for i, n := range v.names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

// Match normalizers (Match.Normalize values), applied to a key before
// comparing.
const (
	NormMAC           = "mac"            // strip ':', '-', '.' and spaces, upper-case
	NormLower         = "lower"          // lower-case
	NormTrim          = "trim"           // strip leading and trailing whitespace
	NormDigits        = "digits"         // keep only 0-9
	NormCollapseSpace = "collapse_space" // runs of whitespace become one space, then trim
)

// Match tie rules (Match.Tie).
const (
	TieOldest = "oldest" // among equal candidates the record created first (then lowest id) wins
)

// Filter dialects (System.Filter): how server-side filters are written on
// the wire.
const (
	FilterConditions = "conditions" // conditions=field op value [and ...] query parameter
	FilterJSONAPI    = "jsonapi"    // filter[field]=value query parameters
	FilterQueryBody  = "query_body" // {"filter":[{"op","field","value"}]} in a JSON query body
	FilterQuery      = "query"      // field=value query parameters (equality only)
	FilterNone       = "none"       // no server-side filters: lists read everything, filters apply client-side
)

// Token login body encodings (TokenLogin.Encoding).
const (
	EncodingForm      = "form"
	EncodingMultipart = "multipart"
	EncodingJSON      = "json"
)

// Bulk body wraps (BulkRoute.Wrap). WrapObject is a prefix: "object:items"
// sends {"items": [...]}.
const (
	WrapJSONAPIArray = "jsonapi_array" // {"data":[{"type","attributes"}, ...]}
	WrapArray        = "array"         // [ {...}, ... ]
	WrapObject       = "object:"       // {"<member>": [ {...}, ... ]}
)

// The vocabularies.
var (
	Normalizers     = newVocab("normalizer", NormMAC, NormLower, NormTrim, NormDigits, NormCollapseSpace)
	Ties            = newVocab("tie", TieOldest)
	FilterDialects  = newVocab("filter dialect", FilterConditions, FilterJSONAPI, FilterQueryBody, FilterQuery, FilterNone)
	WriteStyles     = newVocab("write style", WriteJSONPatch, WriteJSONAPI, WritePartialPatch, WritePut, WriteNone)
	PagingStyles    = newVocab("paging style", PagingPageNumber, PagingNextURL, PagingBody, PagingNone)
	PagingStops     = newVocab("paging stop", StopLinkHeader, StopTotalPages, StopShortPage)
	AuthSchemes     = newVocab("auth scheme", AuthNone, AuthBasic, AuthHeader, AuthToken, AuthOAuth2)
	TokenEncodings  = newVocab("token encoding", EncodingForm, EncodingMultipart, EncodingJSON)
	ChangedModes    = newVocab("changed_since mode", ChangedFilter, ChangedSortDesc)
	MissingPolicies = newVocab("missing policy", MissingCreate, MissingSkip, MissingEmpty, MissingError)
	Directions      = newVocab("direction", DirTwoWay, DirToDoc, DirToPSA, DirNone)
	// BulkWraps names the shapes as documented; "object:<member>" stands
	// for any "object:" followed by a member name (see ParseBulkWrap).
	BulkWraps = newVocab("bulk wrap", WrapJSONAPIArray, WrapArray, WrapObject+"<member>")
	// BodyShapes names the single-record write bodies (WriteShape.Body);
	// "object:<member>" stands for any "object:" followed by a member
	// name (see ParseBodyShape).
	BodyShapes = newVocab("body shape", BodyObject, BodyWrapped+"<member>", BodyArray, BodyPartial,
		BodyJSONPatch, BodyJSONAPI, BodyWhole)
	// OAuth2Credentials says where an OAuth2 client sends its id and
	// secret (OAuth2.Credentials).
	OAuth2Credentials = newVocab("client credentials", OAuth2CredentialsBody, OAuth2CredentialsBasic)
)

// OAuth2 client credential placements (OAuth2.Credentials).
const (
	OAuth2CredentialsBody  = "body"  // client_id and client_secret as form fields
	OAuth2CredentialsBasic = "basic" // Authorization: Basic id:secret
)

// Vocabularies lists every vocabulary, for tests and documentation checks.
var Vocabularies = []Vocab{Normalizers, Ties, FilterDialects, WriteStyles, PagingStyles, PagingStops,
	AuthSchemes, TokenEncodings, ChangedModes, MissingPolicies, Directions, BulkWraps, Placeholders,
	BodyShapes, OAuth2Credentials}

// FilterDialect is the system's filter dialect, FilterNone when unset.
func (s System) FilterDialect() string {
	if s.Filter == "" {
		return FilterNone
	}
	return s.Filter
}

// FiltersOnRecordPaths reports whether the system's filter dialect names a
// record path (a field's read path) in its filters, so a filter on a field
// can be derived from the mapping alone (conditions: `company/id in (...)`).
// The other dialects name API parameters or attributes the mapping does not
// spell out.
func (s System) FiltersOnRecordPaths() bool { return s.FilterDialect() == FilterConditions }

// ParseBulkWrap checks a bulk wrap and returns its kind (WrapJSONAPIArray,
// WrapArray or WrapObject) and, for WrapObject, the member name. "" is
// WrapArray's default: the plain array.
func ParseBulkWrap(s string) (kind, member string, err error) {
	switch {
	case s == "" || s == WrapArray:
		return WrapArray, "", nil
	case s == WrapJSONAPIArray:
		return WrapJSONAPIArray, "", nil
	case strings.HasPrefix(s, WrapObject) && len(s) > len(WrapObject):
		return WrapObject, strings.TrimPrefix(s, WrapObject), nil
	}
	return "", "", BulkWraps.Check(s)
}

// flows are the sides a direction sends values to.
func flows(dir string) (toDoc, toPSA bool) {
	switch dir {
	case DirTwoWay:
		return true, true
	case DirToDoc:
		return true, false
	case DirToPSA:
		return false, true
	}
	return false, false
}

func direction(toDoc, toPSA bool) string {
	switch {
	case toDoc && toPSA:
		return DirTwoWay
	case toDoc:
		return DirToDoc
	case toPSA:
		return DirToPSA
	}
	return DirNone
}

// ClampDirection is how an object's direction limits one of its fields: a
// field syncs what both allow (a two_way field of a to_doc object only
// flows to the doc side). field "" is the object's direction. ok is false
// when the field asks for a flow the object does not have, which
// validation reports for an explicit override; at run time the clamped
// direction applies. Both directions must be names of Directions.
func ClampDirection(object, field string) (dir string, ok bool) {
	if field == "" {
		field = object
	}
	od, op := flows(object)
	fd, fp := flows(field)
	dir = direction(od && fd, op && fp)
	return dir, dir == field
}

// NarrowDirection narrows a direction to the flows two sides allow (a
// field the PSA only reads never goes to the PSA).
func NarrowDirection(dir string, canToDoc, canToPSA bool) string {
	d, p := flows(dir)
	return direction(d && canToDoc, p && canToPSA)
}
