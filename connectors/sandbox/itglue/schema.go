package itglue

import (
	"fmt"
	"strings"
)

// kind is the storage type of an attribute.
type kind int

const (
	kString       kind = iota // string
	kInt                      // plain integer
	kRef                      // integer id of a record of attr.ref
	kRefList                  // list of ids of records of attr.ref
	kBool                     // boolean; null is stored as false
	kDateTime                 // RFC 3339 UTC, rendered with milliseconds
	kDate                     // YYYY-MM-DD
	kContactItems             // [{value, primary, label-name[, extension]}]
	kDerived                  // computed on render; never stored, never written
	kNameValues               // [{name, value}]: the PSA's overlaid fields (psa-custom-fields)
)

// attr describes one attribute of a resource, in rendering order.
type attr struct {
	name     string // kebab-case, as rendered
	kind     kind
	ref      string // kRef / kRefList: the JSON:API type referenced
	required bool   // must be non-null after a create (and after an update)
	readOnly bool   // server-maintained: ignored when a client sends it
	maxLen   int    // kString: maximum length in characters (0 = unlimited)
	// scope ties a kRef target to this record: the target's scope[0]
	// attribute must equal this record's scope[1] attribute (when that one
	// is set). location-id: {"organization-id", "organization-id"}.
	scope [2]string
	// derive computes a kDerived attribute.
	derive func(st *store, r *record) any
	// listMax truncates a string attribute to this many characters in
	// list responses (organizations' quick-notes).
	listMax int
	// def is stored on create when the client leaves the attribute out.
	def any
}

// filterKind says how a filter[...] value is matched.
type filterKind int

const (
	fID        filterKind = iota // record id, comma-separated integers
	fInt                         // integer attribute, comma-separated
	fString                      // string attribute, case-insensitive exact, comma-separated
	fBool                        // "true" / "false"
	fDateRange                   // "start, end" with "*" for an open end
	fPSAID                       // psa_id (needs psa_integration_type)
	fPSAType                     // psa_integration_type
	fEmail                       // contacts' primary_email
)

type filterSpec struct {
	kind filterKind
	attr string // attribute the filter reads ("" for fID, fPSA*)
}

// resource is the schema of one JSON:API resource type.
type resource struct {
	typ    string // JSON:API type member, kebab-case plural ("configuration-types")
	path   string // URL segment, snake_case plural ("configuration_types")
	idBase int64  // first id assigned (ids of different types never collide)
	attrs  []*attr
	byName map[string]*attr
	// parent nests this resource under another one:
	// /{parent.path}/{id}/relationships/{path}. parentAttr holds the
	// parent's id on the record (and is indexed).
	parent     string
	parentAttr string
	label      string // attribute that names a record for *-name attributes
	filters    map[string]filterSpec
	sorts      map[string]string // sort key (snake_case) -> attribute (kebab-case, or "id")
	create     bool              // POST
	update     bool              // PATCH /:id
	bulkUpdate bool              // PATCH collection
	bulkDelete bool              // DELETE collection
	psaLinked  bool              // records can be synced by IT Glue's own PSA integration
	// psaEditable lists the attributes a PSA-synced record still accepts
	// when Options.EnforcePSARestrictions is on; nil: none.
	psaEditable map[string]bool
	noCache     bool // render on every request (aggregates over other tables)
}

func (res *resource) attr(name string) *attr { return res.byName[name] }

// kebab turns an attribute or filter name into its kebab-case form.
func kebab(s string) string { return strings.ReplaceAll(s, "_", "-") }

// snake turns an attribute or filter name into its snake_case form.
func snake(s string) string { return strings.ReplaceAll(s, "-", "_") }

// schema is the set of resources the sandbox serves.
type schema struct {
	list   []*resource          // registration order (parents before children)
	byType map[string]*resource // by JSON:API type
}

func (sc *schema) get(typ string) *resource { return sc.byType[typ] }

func newSchema(resourceURL string) (*schema, error) {
	sc := &schema{byType: map[string]*resource{}}
	for _, res := range []*resource{
		organizationTypes(), organizationStatuses(), organizations(),
		countries(), regions(),
		locations(),
		contactTypes(), contacts(),
		configurationTypes(), configurationStatuses(),
		manufacturers(), models(), operatingSystems(),
		configurations(resourceURL),
		tickets(),
	} {
		if err := sc.add(res); err != nil {
			return nil, err
		}
	}
	return sc, nil
}

func (sc *schema) add(res *resource) error {
	if _, dup := sc.byType[res.typ]; dup {
		return fmt.Errorf("schema: resource %q declared twice", res.typ)
	}
	res.byName = map[string]*attr{}
	for _, a := range res.attrs {
		if _, dup := res.byName[a.name]; dup {
			return fmt.Errorf("schema: %s: attribute %q declared twice", res.typ, a.name)
		}
		if a.kind == kDerived {
			a.readOnly = true
		}
		res.byName[a.name] = a
	}
	for key, f := range res.filters {
		if f.attr != "" && res.byName[f.attr] == nil {
			return fmt.Errorf("schema: %s: filter %q reads unknown attribute %q", res.typ, key, f.attr)
		}
	}
	for key, a := range res.sorts {
		if a != "id" && res.byName[a] == nil {
			return fmt.Errorf("schema: %s: sort %q reads unknown attribute %q", res.typ, key, a)
		}
	}
	if res.parent != "" && sc.byType[res.parent] == nil {
		return fmt.Errorf("schema: %s: parent %q must be declared first", res.typ, res.parent)
	}
	sc.byType[res.typ] = res
	sc.list = append(sc.list, res)
	return nil
}

// Attribute constructors keep the resource declarations short.

func str(name string) *attr          { return &attr{name: name, kind: kString} }
func boolean(name string) *attr      { return &attr{name: name, kind: kBool, def: false} }
func date(name string) *attr         { return &attr{name: name, kind: kDate} }
func datetime(name string) *attr     { return &attr{name: name, kind: kDateTime} }
func ref(name, typ string) *attr     { return &attr{name: name, kind: kRef, ref: typ} }
func refList(name, typ string) *attr { return &attr{name: name, kind: kRefList, ref: typ} }
func items(name string) *attr        { return &attr{name: name, kind: kContactItems} }

// psaCustomFields models the PSA fields IT Glue overlays on a PSA-synced
// record (company custom fields, configuration questions): shown read-only
// in IT Glue's UI, carried here as one attribute, a list of {name, value},
// that the API client syncing the PSA reads and writes.
func psaCustomFields() *attr            { return &attr{name: "psa-custom-fields", kind: kNameValues} }
func required(a *attr) *attr            { a.required = true; return a }
func scoped(a *attr, s [2]string) *attr { a.scope = s; return a }
func derived(name string, fn func(st *store, r *record) any) *attr {
	return &attr{name: name, kind: kDerived, readOnly: true, derive: fn}
}

// timestamps are the created-at / updated-at pair every resource carries.
func timestamps() []*attr {
	return []*attr{
		derived("created-at", func(_ *store, r *record) any { return r.created }),
		derived("updated-at", func(_ *store, r *record) any { return r.updated }),
	}
}

// nameOf derives "<x>-name" from the "<x>-id" reference: the label of the
// referenced record, or null.
func nameOf(idAttr, typ string) func(st *store, r *record) any {
	return func(st *store, r *record) any {
		id, ok := r.vals[idAttr].(int64)
		if !ok {
			return nil
		}
		return st.label(typ, id)
	}
}

// psaIntegration renders the integration type of a PSA-synced record
// ("manage", "autotask", ...) or null.
func psaIntegration() *attr {
	return derived("psa-integration", func(_ *store, r *record) any {
		if r.psaType == "" {
			return nil
		}
		return r.psaType
	})
}

// lookup declares a small reference resource with a name and timestamps.
func lookup(typ, path string, idBase int64, writable bool, extra ...*attr) *resource {
	attrs := append([]*attr{required(str("name"))}, extra...)
	attrs = append(attrs, timestamps()...)
	return &resource{
		typ: typ, path: path, idBase: idBase, attrs: attrs, label: "name",
		filters: map[string]filterSpec{"id": {kind: fID}, "name": {kind: fString, attr: "name"}},
		sorts:   map[string]string{"id": "id", "name": "name", "created_at": "created-at", "updated_at": "updated-at"},
		create:  writable, update: writable,
	}
}

// PSA integration types accepted by filter[psa_integration_type].
var psaTypes = map[string]bool{
	"manage": true, "autotask": true, "tigerpaw": true,
	"kaseya-bms": true, "pulseway-psa": true, "vorex": true,
}
