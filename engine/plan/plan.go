// Package plan holds the compiled form of a mapping set: pure data, JSON
// serialisable, with a stable content hash. It is what the engine produces
// from the HCL files (package dsl) and what every later stage consumes: the
// connector runtime reads System/Object/Field, matching reads ObjectSync and
// Match, workflows carry the Hash so a replay runs the mapping version it
// started with.
//
// Secrets never live in a plan. Every value that may come from a variable is
// a Template ("${var.name}" placeholders); it is resolved in the worker
// process, from the environment, at the moment a request is made.
package plan

// FormatVersion is bumped whenever the JSON shape of a Plan changes.
const FormatVersion = 1

// Plan is one compiled mapping set.
type Plan struct {
	FormatVersion int             `json:"format_version"`
	Hash          string          `json:"hash"` // sha256 over the JSON encoding with Hash == ""
	Variables     []Variable      `json:"variables"`
	Canonical     []CanonicalType `json:"canonical"` // sorted by name
	Systems       []System        `json:"systems"`   // sorted by name
	Syncs         []Sync          `json:"syncs"`     // sorted by name
}

// Template is a string that may contain ${var.NAME} placeholders.
type Template string

// Variable declares an input. Values are never stored in the plan for
// sensitive variables; Default is kept only for non-sensitive ones.
type Variable struct {
	Name        string `json:"name"`
	Env         string `json:"env,omitempty"` // environment variable read at run time
	Default     string `json:"default,omitempty"`
	HasDefault  bool   `json:"has_default,omitempty"`
	Sensitive   bool   `json:"sensitive,omitempty"`
	Description string `json:"description,omitempty"`
}

// Canonical field types.
const (
	TypeString   = "string"
	TypeInt      = "int"
	TypeNumber   = "number"
	TypeBool     = "bool"
	TypeDate     = "date"     // YYYY-MM-DD
	TypeDateTime = "datetime" // RFC 3339, UTC
	TypeRef      = "ref"      // the id, in the same system, of a record of CanonicalField.Ref
	TypeList     = "list"     // list of strings
	TypeJSON     = "json"     // any JSON value (e.g. a list of {value, type, primary})
)

// CanonicalType is the hub schema of one object type.
type CanonicalType struct {
	Name   string           `json:"name"`
	Fields []CanonicalField `json:"fields"` // in declaration order
}

type CanonicalField struct {
	Name string `json:"name"`
	Type string `json:"type"`
	// Ref is the canonical type referenced: for TypeRef one id, for TypeList
	// a list of ids (a ticket's configurations).
	Ref string `json:"ref,omitempty"`
	// Deferred references do not order stages: they are set once the
	// referenced stage has run (an organization's primary location).
	// References to the own type (parent organization) are resolved within
	// their stage and are always deferred.
	Deferred    bool   `json:"deferred,omitempty"`
	Label       string `json:"label,omitempty"` // human name, e.g. "Primary MAC Address"
	Description string `json:"description,omitempty"`
}

// System roles.
const (
	RolePSA     = "psa"
	RoleDoc     = "doc"
	RoleScanner = "scanner"
)

// System is one remote API, described declaratively.
type System struct {
	Name      string              `json:"name"`
	Title     string              `json:"title,omitempty"` // human name ("" = Name)
	Role      string              `json:"role"`            // psa | doc | scanner
	Connector string              `json:"connector"`       // "rest" (the only runtime so far)
	BaseURL   Template            `json:"base_url"`
	Headers   map[string]Template `json:"headers,omitempty"`
	Auth      Auth                `json:"auth"`
	Discovery *Discovery          `json:"discovery,omitempty"`
	TLS       TLS                 `json:"tls"`
	RateLimit RateLimit           `json:"rate_limit"`
	Retry     Retry               `json:"retry"`
	Paging    Paging              `json:"paging"`
	Envelope  Envelope            `json:"envelope"`
	// Filter is the dialect used to express server-side filters, one of
	// FilterDialects (vocab.go); "" is FilterNone.
	Filter      string   `json:"filter"`
	ContentType string   `json:"content_type,omitempty"` // request body media type
	TimeFormat  string   `json:"time_format,omitempty"`  // Go layout for datetimes on the wire
	Objects     []Object `json:"objects"`                // sorted by name
	Lookups     []Lookup `json:"lookups"`                // sorted by name
}

// Auth schemes.
const (
	AuthNone   = "none"
	AuthBasic  = "basic"  // Authorization: Basic base64(username:password)
	AuthHeader = "header" // one or more static headers (x-api-key, ApiIntegrationCode/UserName/Secret)
	AuthToken  = "token"  // log in, then send a bearer token; re-login on 401 or expiry
	AuthOAuth2 = "oauth2" // OAuth 2.0 client credentials, then a bearer token
)

type Auth struct {
	Scheme   string              `json:"scheme"`
	Username Template            `json:"username,omitempty"`
	Password Template            `json:"password,omitempty"`
	Headers  map[string]Template `json:"headers,omitempty"`
	Token    *TokenLogin         `json:"token,omitempty"`
	// OAuth2 is the client-credentials grant (scheme oauth2); see wire.go.
	OAuth2 *OAuth2 `json:"oauth2,omitempty"`
}

// TokenLogin describes a login request that yields a token (Kaseya BMS,
// Pulseway PSA: POST /v2/security/authenticate).
type TokenLogin struct {
	Path        string              `json:"path"`
	Method      string              `json:"method"`   // default POST
	Encoding    string              `json:"encoding"` // form | multipart | json
	Fields      map[string]Template `json:"fields"`
	TokenPath   string              `json:"token_path"`             // e.g. "Result.AccessToken"
	ExpiresPath string              `json:"expires_path,omitempty"` // seconds or RFC 3339
	Header      string              `json:"header"`                 // default Authorization
	Prefix      string              `json:"prefix"`                 // default "Bearer "
	// URL, when set, is the absolute address of the login (a token
	// service apart from the API base); Path is then unused.
	URL Template `json:"url,omitempty"`
	// Refresh renews the token with the refresh token the login returned
	// before logging in again (see wire.go).
	Refresh *TokenRefresh `json:"refresh,omitempty"`
}

// Discovery resolves the real base URL before the first call (Autotask zone
// lookup: GET .../ZoneInformation?user=... -> {"url": ...}).
type Discovery struct {
	URL         Template            `json:"url"`
	Query       map[string]Template `json:"query,omitempty"`
	BaseURLPath string              `json:"base_url_path"`    // path in the response holding the base URL
	Suffix      string              `json:"suffix,omitempty"` // appended to the discovered URL, e.g. "v1.0"
}

type TLS struct {
	InsecureSkipVerify bool     `json:"insecure_skip_verify,omitempty"` // only for sandboxes; default verifies
	CAFile             Template `json:"ca_file,omitempty"`
}

type RateLimit struct {
	RequestsPerSecond float64 `json:"requests_per_second"` // 0 = unlimited
	Burst             int     `json:"burst"`
	Concurrency       int     `json:"concurrency"`               // max requests in flight, 0 = 4
	WindowRequests    int     `json:"window_requests,omitempty"` // budget: N requests ...
	WindowSeconds     int     `json:"window_seconds,omitempty"`  // ... per window (IT Glue 3000/300s)
}

type Retry struct {
	MaxAttempts    int     `json:"max_attempts"`       // per request, 0 = 8
	InitialBackoff float64 `json:"initial_backoff"`    // seconds
	MaxBackoff     float64 `json:"max_backoff"`        // seconds
	RetryOn        []int   `json:"retry_on,omitempty"` // extra status codes to retry; 429 and 5xx always are
	// RejectOn lists 5xx statuses that, answering a write, mean the
	// system refused the record (an API answering validation errors with
	// 500): such a write is not retried and is a record-level refusal.
	// Reads still retry them.
	RejectOn []int `json:"reject_on,omitempty"`
}

// Paging styles.
const (
	PagingPageNumber = "page_number" // ?page=N&pageSize=M (ConnectWise, JSON:API page[number])
	PagingNextURL    = "next_url"    // follow a URL found in the body (Autotask pageDetails.nextPageUrl)
	PagingBody       = "body"        // page number/size sent in a POST body (BMS /search)
	PagingNone       = "none"
)

// Paging stop rules for page_number.
const (
	StopLinkHeader = "link_header" // stop when no Link rel="next"
	StopTotalPages = "total_pages" // stop at TotalPagesPath
	StopShortPage  = "short_page"  // stop when a page has fewer than size records
)

type Paging struct {
	Style       string `json:"style"`
	PageParam   string `json:"page_param,omitempty"`
	SizeParam   string `json:"size_param,omitempty"`
	FirstPage   int    `json:"first_page,omitempty"` // default 1
	Size        int    `json:"size"`                 // page size requested
	MaxSize     int    `json:"max_size"`             // the API's cap
	Stop        string `json:"stop,omitempty"`
	TotalPages  string `json:"total_pages,omitempty"`   // path, e.g. "meta.total-pages"
	TotalCount  string `json:"total_count,omitempty"`   // path, e.g. "meta.total-count"
	NextURLPath string `json:"next_url_path,omitempty"` // path, e.g. "pageDetails.nextPageUrl"
	// NextMethod is how a next_url is requested: "GET" (default) or "POST"
	// (the list body is sent again to the next URL).
	NextMethod string `json:"next_method,omitempty"`
}

// Envelope says where records and errors sit in response bodies. Paths are
// dotted ("data", "pageDetails.nextPageUrl", "errors.0.detail"); "" is the
// whole body.
type Envelope struct {
	Items        string   `json:"items"`                   // list responses
	Item         string   `json:"item"`                    // get/create/update responses
	CreatedID    string   `json:"created_id,omitempty"`    // create responses that return only an id (Autotask itemId)
	Success      string   `json:"success,omitempty"`       // boolean flag; false = failure even with HTTP 200 (BMS)
	ErrorMessage []string `json:"error_message,omitempty"` // paths tried in order to find the message of an error body
	// Status is the path of an HTTP-like status code in a failure body
	// (a success flag false with HTTP 200): it classifies the failure as
	// an HTTP status would (4xx record-level, 429/5xx retried).
	Status string `json:"status,omitempty"`
}

// Write styles.
const (
	WriteJSONPatch    = "json_patch"    // PATCH item with an RFC 6902 array (ConnectWise, BMS)
	WriteJSONAPI      = "jsonapi"       // PATCH item with {"data":{"type","attributes"}} (IT Glue)
	WritePartialPatch = "partial_patch" // PATCH collection with {"id":..., changed fields} (Autotask)
	WritePut          = "put"           // PUT the whole record
	WriteNone         = "none"          // read-only object
)

// Object is one object type as a system exposes it.
//
// ListPath may hold {ref:FIELD} (FIELD a ref field of this object): the list
// is then read once per record of the referenced type already extracted from
// this system (ConnectWise sites per company), and a listed record lacking
// FIELD gets that parent's id.
type Object struct {
	Name         string            `json:"name"`                    // canonical type
	ResourceType string            `json:"resource_type,omitempty"` // JSON:API "type" member
	ListPath     string            `json:"list_path"`
	ListMethod   string            `json:"list_method,omitempty"` // GET (default) or POST (query bodies)
	ListBody     string            `json:"list_body,omitempty"`   // JSON template for POST queries
	ItemPath     string            `json:"item_path"`             // "{id}" is replaced
	CreatePath   string            `json:"create_path"`           // may hold "{ref:organization}" = the parent's id in this system
	UpdatePath   string            `json:"update_path"`
	DeletePath   string            `json:"delete_path,omitempty"`
	Query        map[string]string `json:"query,omitempty"` // static query parameters on list
	ID           string            `json:"id"`              // path of the id in a record
	Updated      string            `json:"updated,omitempty"`
	Created      string            `json:"created,omitempty"`
	Write        string            `json:"write"`
	// Sweep, in seconds, for a list path under a parent ({ref:FIELD}): the
	// staleness bound of incremental runs, which list the children of the
	// parents changed or newly linked in the run plus a rotating slice of
	// the others, so that each parent is read at least once per Sweep. 0:
	// every parent on every run.
	Sweep        int           `json:"sweep,omitempty"`
	ChangedSince *ChangedSince `json:"changed_since,omitempty"`
	Bulk         *Bulk         `json:"bulk,omitempty"`
	Derive       []Derive      `json:"derive,omitempty"`
	Fields       []Field       `json:"fields"` // declaration order
	// Offers lists the sync directions the system offers for this object
	// (empty: every direction); DefaultDirection is the direction of a
	// sync object that states none ("" = two_way). See offers.go.
	Offers           []string `json:"offers,omitempty"`
	DefaultDirection string   `json:"default_direction,omitempty"`
	// Envelope, when set, replaces the system's envelope for this
	// object's requests (the compiler merged the object's envelope block
	// over the system's, attribute by attribute).
	Envelope *Envelope `json:"envelope,omitempty"`
	// Create and Update shape single-record writes, attribute by
	// attribute over the write style's preset (see wire.go); nil = the
	// preset.
	Create *WriteShape `json:"create,omitempty"`
	Update *WriteShape `json:"update,omitempty"`
	// Paging, when set, replaces the system's paging for this object's
	// lists (a search route paged in the body beside GET lists).
	Paging *Paging `json:"paging,omitempty"`
	// RateLimit, when set, limits this object's requests on top of the
	// system's limits (an API that counts requests or threads per
	// endpoint).
	RateLimit *RateLimit `json:"rate_limit,omitempty"`
}

// Changed-since modes.
const (
	ChangedFilter   = "filter"    // a server-side filter: Template with ${cursor}
	ChangedSortDesc = "sort_desc" // sort by updated desc and stop at the watermark
)

type ChangedSince struct {
	Mode      string `json:"mode"`
	Param     string `json:"param,omitempty"`      // query parameter (conditions, filter[updated_at])
	Template  string `json:"template,omitempty"`   // e.g. "lastUpdated > [${cursor}]" or "${cursor}, *"
	SortParam string `json:"sort_param,omitempty"` // e.g. "sort"
	SortValue string `json:"sort_value,omitempty"` // e.g. "-updated_at"
	Format    string `json:"format,omitempty"`     // Go time layout of ${cursor}
	// MaxWindow, in seconds, splits a filter whose range the API caps
	// (IT Glue: about a week) into consecutive windows, each one request
	// series; the template then holds ${until} for the end of a window.
	// 0 = one open range.
	MaxWindow int `json:"max_window,omitempty"`
}

// Bulk write routes, when the API has them.
type Bulk struct {
	Create *BulkRoute `json:"create,omitempty"`
	Update *BulkRoute `json:"update,omitempty"`
}

type BulkRoute struct {
	Path   string `json:"path"`
	Method string `json:"method"`
	Max    int    `json:"max"`            // records per request
	Wrap   string `json:"wrap,omitempty"` // body shape: "jsonapi_array" | "array" | "object:<member>"
	// Results says how to read the per-record results of a bulk response;
	// nil = the envelope's Items path, one element per record, in request order.
	Results *BulkResults `json:"results,omitempty"`
}

// BulkResults locates per-record outcomes in a bulk response, e.g. a
// {"payload":[{"success","originalIndex","statusCode","data","error"}]} body.
// Paths inside an element are relative to that element.
type BulkResults struct {
	Path         string   `json:"path"`                    // array of results in the body ("" = whole body)
	Item         string   `json:"item,omitempty"`          // the record inside an element ("" = the element)
	Success      string   `json:"success,omitempty"`       // boolean flag inside an element
	Index        string   `json:"index,omitempty"`         // request index inside an element ("" = position)
	Status       string   `json:"status,omitempty"`        // per-record HTTP status inside an element
	ErrorMessage []string `json:"error_message,omitempty"` // paths of the message inside an element
}

// Derive makes one source record give zero or more records of this object
// type (locations made from the address blocks of accounts and contacts).
// An object with derives (Object.Derive, one per source object, in
// precedence order) is a derived object: it is never listed from its own
// route and never written (docs/mapping-language.md "Derived objects").
type Derive struct {
	From string `json:"from"` // the source: another, not derived, object of the same system
	Each string `json:"each"` // expr over record (the source record): a list of maps, one per derived record
	ID   string `json:"id"`   // expr over record and item: the derived record's id; empty = no record
}

// Derived reports whether the object's records are derived from others.
func (o Object) Derived() bool { return len(o.Derive) > 0 }

// Field directions relative to the system: "both" reads and writes, "read"
// never writes it back, "write" is only sent.
const (
	FieldBoth  = "both"
	FieldRead  = "read"
	FieldWrite = "write"
)

// Field maps one canonical field to a place in the system's records.
type Field struct {
	Name             string `json:"name"`                 // canonical field name
	Path             string `json:"path"`                 // read path
	WritePath        string `json:"write_path,omitempty"` // defaults to Path
	Ref              string `json:"ref,omitempty"`        // canonical type referenced; value is this system's id
	Lookup           string `json:"lookup,omitempty"`     // lookup table: canonical value = label, written as id
	Access           string `json:"access"`               // both | read | write
	ToCanonical      string `json:"to_canonical,omitempty"`
	FromCanonical    string `json:"from_canonical,omitempty"`
	RequiredOnCreate bool   `json:"required_on_create,omitempty"`
	// CreateOnly fields are sent when the record is created, never in an
	// update (ConnectWise company types).
	CreateOnly bool `json:"create_only,omitempty"`
	// Fetch is a sub-resource read once per record ("{id}" = the record's
	// id); Path is then read in each returned item and the value is the list
	// (ConnectWise ticket configurations).
	Fetch string `json:"fetch,omitempty"`
	// RefetchQuery, for a Fetch field whose sub-resource changes without
	// moving the record's updated date, selects the records an
	// incremental listing lists again and reads the sub-resource of
	// (extra static query parameters of the object's list, the dialect's
	// expression parameter and-ed), at most RefetchLimit of them.
	RefetchQuery map[string]string `json:"refetch_query,omitempty"`
	RefetchLimit int               `json:"refetch_limit,omitempty"`
	// Flag is set, instead of Path, for a ref field the system does not keep
	// on this record: the value is the id of the record of Ref (belonging to
	// this record) whose boolean at Flag is true, and writing it sets that
	// flag (IT Glue's primary location is the location flagged "primary").
	Flag  string `json:"flag,omitempty"`
	Range Range  `json:"range"`
	// LookupLabel, with Lookup, makes the field read through a related
	// record: Path holds the id of a row of the lookup and the canonical
	// value is that row's value at LookupLabel. The fields of an object
	// that share a lookup this way are written together: the row whose
	// columns equal their values gives the id written (see related.go in
	// engine/records).
	LookupLabel string `json:"lookup_label,omitempty"`
}

// Lookup missing-value policies.
const (
	MissingCreate = "create" // create the value in the target (manufacturers, models)
	MissingSkip   = "skip"   // leave the record out, with a reason (a type that is not synced)
	MissingEmpty  = "empty"  // write the record without the field
	MissingError  = "error"  // record-level error
)

// Lookup is a system's reference data, resolved by label to ids at run time.
type Lookup struct {
	Name       string `json:"name"`
	Path       string `json:"path"` // may hold {parent}: listed once per parent value (statuses per board)
	ID         string `json:"id"`
	Label      string `json:"label"`
	Parent     string `json:"parent,omitempty"`      // lookup this one is scoped under (models under manufacturers)
	ParentPath string `json:"parent_path,omitempty"` // path in a row of the parent's id
	Missing    string `json:"missing"`
	CreatePath string `json:"create_path,omitempty"`
	CreateBody string `json:"create_body,omitempty"` // JSON template with ${label} / ${parent}
	Reason     string `json:"reason,omitempty"`      // for skip: the reason recorded
	// Envelope, when set, replaces the system's envelope for this
	// lookup's requests (merged like an object's).
	Envelope *Envelope `json:"envelope,omitempty"`
	// Paging, when set, replaces the system's paging for this lookup.
	Paging *Paging `json:"paging,omitempty"`
}

// Sync directions (object and field level).
const (
	DirTwoWay = "two_way"
	DirToDoc  = "to_doc" // PSA -> documentation system
	DirToPSA  = "to_psa" // documentation system -> PSA
	DirNone   = "none"
)

// Create policies for the PSA side in two-way syncs.
const (
	CreateAlways    = "always"
	CreateConfirmed = "confirmed" // only records a user confirmed (edited after the first sync) or a one-time push
	CreateNever     = "never"
)

type Sync struct {
	Name     string         `json:"name"`
	PSA      string         `json:"psa"`
	Doc      string         `json:"doc"`
	Winner   string         `json:"winner"`   // "psa" | "doc"
	Settings map[string]any `json:"settings"` // strings, bools, numbers, lists of strings
	Objects  []ObjectSync   `json:"objects"`  // in stage order (referenced types first)
	// MaxChange is the sync's mass-change guard (guard { max_change }),
	// the default of its objects; 0 = not set (DefaultMaxChange).
	MaxChange float64 `json:"max_change,omitempty"`
}

// DefaultMaxChange is the mass-change guard's share when the mapping sets
// none: a run that would orphan, disconnect or rewrite more than this
// share of an object type's links stops before writing.
const DefaultMaxChange = 0.2

type ObjectSync struct {
	Object      string      `json:"object"`
	Stage       int         `json:"stage"`
	DependsOn   []string    `json:"depends_on,omitempty"`
	Direction   string      `json:"direction"`
	Enabled     string      `json:"enabled,omitempty"` // expr over settings; "" = always
	Scope       string      `json:"scope,omitempty"`   // expr over a canonical record + settings
	ScopeReason string      `json:"scope_reason,omitempty"`
	CreateInDoc bool        `json:"create_in_doc"`
	CreateInPSA string      `json:"create_in_psa"` // always | confirmed | never
	Fields      []FieldSync `json:"fields"`        // every canonical field the pair maps, in canonical order
	Match       Match       `json:"match"`
	Range       Range       `json:"range"`
	// MaxChange is the object's mass-change guard, resolved: its own
	// guard block, else the sync's, else DefaultMaxChange. In (0, 1].
	MaxChange float64 `json:"max_change,omitempty"`
	// TypeField is the canonical (string) field a pause by record type
	// compares with: type_field, else the field named "type" when the
	// object has one; "" = the object's records have no type to pause by.
	TypeField string `json:"type_field,omitempty"`
}

// FieldSync is the resolved rule for one canonical field of an object pair.
type FieldSync struct {
	Name      string `json:"name"`
	Type      string `json:"type"`
	Direction string `json:"direction"` // two_way | to_doc | to_psa | none
	Winner    string `json:"winner"`    // psa | doc (for two_way)
	PSAPath   string `json:"psa_path"`
	DocPath   string `json:"doc_path"`
	Label     string `json:"label,omitempty"` // human name, e.g. "Primary MAC Address"
	Ref       string `json:"ref,omitempty"`   // canonical type referenced: values are translated through links
	Deferred  bool   `json:"deferred,omitempty"`
	// MergeBy, when set, names the key of the entries of a json list
	// field: a write merges the source's entries into the target's list
	// instead of replacing it (each side owns the entries it maps, the
	// rest stay; see docs/mapping-language.md "Merged lists").
	MergeBy string `json:"merge_by,omitempty"`
	// ClearOnDisconnect: when a link becomes disconnected, the run in
	// which that happens writes the field empty on the documentation
	// record (an overlay of PSA values that must not outlive the link).
	// Only for a field that flows to_doc.
	ClearOnDisconnect bool `json:"clear_on_disconnect,omitempty"`
}

type Match struct {
	ScopeBy   string            `json:"scope_by,omitempty"`  // ref field both sides must agree on (already linked), e.g. "organization"
	Rules     []MatchRule       `json:"rules"`               // tried in order
	Narrow    []string          `json:"narrow,omitempty"`    // fields that narrow several candidates, in order
	Tie       string            `json:"tie"`                 // one of Ties
	Normalize map[string]string `json:"normalize,omitempty"` // field -> one of Normalizers
}

type MatchRule struct {
	Name string   `json:"name"`
	Keys []string `json:"keys"`
}

// Range is a source location kept for messages at run time.
type Range struct {
	File   string `json:"file,omitempty"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
}
