package connectors

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"mapsync/engine/plan"
)

// validate checks that every style the system declares is one this runtime
// executes, so a typo fails at New and not halfway through a sync.
func validate(sys plan.System) error {
	if err := plan.Err(CheckSystem(sys)); err != nil {
		return fmt.Errorf("connectors: %w", err)
	}
	return nil
}

// CheckSystem lists what New refuses in a system's declaration. New calls
// it, and so does engine.LoadDir, so validate reports these problems at
// their place in the mapping files.
func CheckSystem(sys plan.System) []plan.Problem {
	var out []plan.Problem
	at := plan.Place{System: sys.Name}
	badAt := func(pl plan.Place, format string, args ...any) {
		out = append(out, plan.Problem{Place: pl, Message: fmt.Sprintf(format, args...)})
	}
	// bad reports on the system; its first argument is the attribute.
	bad := func(attr, format string, args ...any) {
		pl := at
		pl.Attr = attr
		badAt(pl, format, args...)
	}
	// inVocab checks a name against its plan vocabulary; "" is the default.
	inVocab := func(pl plan.Place, v string, vocab plan.Vocab) {
		if err := vocab.Check(v); v != "" && err != nil {
			badAt(pl, "%v", err)
		}
	}
	sysAt := func(attr string) plan.Place { pl := at; pl.Attr = attr; return pl }
	if sys.Connector != "" && sys.Connector != "rest" {
		bad("connector", "connector %q is not supported (only \"rest\")", sys.Connector)
	}
	if sys.BaseURL == "" && sys.Discovery == nil {
		bad("base_url", "base_url is empty and there is no discovery")
	}
	inVocab(sysAt("auth"), sys.Auth.Scheme, plan.AuthSchemes)
	if sys.Auth.Scheme == plan.AuthToken {
		if sys.Auth.Token == nil {
			bad("auth", "auth scheme token needs a token block")
		} else {
			inVocab(sysAt("auth.token.encoding"), sys.Auth.Token.Encoding, plan.TokenEncodings)
			if sys.Auth.Token.TokenPath == "" {
				bad("auth.token", "token login needs token_path")
			}
		}
	}
	if d := sys.Discovery; d != nil && (d.URL == "" || d.BaseURLPath == "") {
		bad("discovery", "discovery needs url and base_url_path")
	}
	out = append(out, checkPaging(at, sys.Paging)...)
	inVocab(sysAt("filter"), sys.Filter, plan.FilterDialects)
	for _, o := range sys.Objects {
		obj := func(attr string) plan.Place { return plan.Place{System: sys.Name, Object: o.Name, Attr: attr} }
		inVocab(obj("write"), o.Write, plan.WriteStyles)
		if o.ListPath == "" && !o.Derived() {
			badAt(obj(""), "no list_path")
		}
		for _, p := range []struct{ attr, path string }{{"list_path", o.ListPath}, {"item_path", o.ItemPath},
			{"create_path", o.CreatePath}, {"update_path", o.UpdatePath}, {"delete_path", o.DeletePath}} {
			r, err := plan.ParseRoute(p.path)
			if err != nil {
				badAt(obj(p.attr), "%s: %v", p.attr, err)
			} else if p.attr == "list_path" && len(r.Refs()) > 1 {
				badAt(obj("list_path"), "list_path has %d {ref:...} placeholders; one is supported", len(r.Refs()))
			}
		}
		if o.Write == plan.WriteJSONAPI && o.ResourceType == "" {
			badAt(obj("write"), "writes jsonapi but has no resource_type")
		}
		if o.ListBody != "" && !json.Valid([]byte(o.ListBody)) {
			badAt(obj("list_body"), "list_body is not valid JSON")
		}
		if strings.Contains(o.ListBody, "${") {
			// Sent as written: a placeholder would reach the API verbatim.
			badAt(obj("list_body"), "list_body is sent as written and fills no ${...} placeholder: the changed-since filter comes from a changed_since block, the page number and size from a paging \"body\" block")
		}
		if cs := o.ChangedSince; cs != nil {
			if err := plan.ChangedModes.Check(cs.Mode); err != nil {
				badAt(obj("changed_since"), "%v", err)
			}
			if cs.Mode == plan.ChangedFilter {
				if sys.Filter == plan.FilterQueryBody {
					probe := strings.ReplaceAll(cs.Template, "${cursor}", "2006-01-02T15:04:05Z")
					if !json.Valid([]byte(probe)) {
						badAt(obj("changed_since.template"), "changed_since template must be a JSON filter item for the %q dialect", sys.Filter)
					}
				} else if cs.Param == "" {
					badAt(obj("changed_since"), "changed_since filter needs param")
				}
				if !strings.Contains(cs.Template, "${cursor}") {
					badAt(obj("changed_since.template"), "changed_since template has no ${cursor}")
				}
				if cs.MaxWindow > 0 && !strings.Contains(cs.Template, "${until}") {
					badAt(obj("changed_since.max_window"), "changed_since max_window needs ${until} in the template to close each window")
				}
			}
			if cs.Mode == plan.ChangedSortDesc && (cs.SortParam == "" || o.Updated == "") {
				badAt(obj("changed_since"), "changed_since sort_desc needs sort_param and the object's updated path")
			}
		}
		if b := o.Bulk; b != nil {
			for _, r := range []struct {
				verb  string
				route *plan.BulkRoute
			}{{"create", b.Create}, {"update", b.Update}} {
				if r.route == nil {
					continue
				}
				if _, _, err := plan.ParseBulkWrap(r.route.Wrap); err != nil {
					badAt(obj("bulk."+r.verb+".wrap"), "%v", err)
				}
				// Without a results block the results are read at the
				// envelope's items path; with none, nothing tells one
				// record's outcome from another's, and every bulk request
				// would end in one request per record (or an ambiguous
				// create).
				unused := r.verb == "update" && strings.EqualFold(r.route.Method, http.MethodPut) // see bulkUpdateRoute
				items := sys.Envelope.Items
				if o.Envelope != nil {
					items = o.Envelope.Items
				}
				if r.route.Results == nil && items == "" && !unused {
					badAt(obj("bulk."+r.verb), "bulk %s has no results block and the envelope has no items path: a bulk response's per-record results cannot be read", r.verb)
				}
			}
		}
	}
	out = append(out, checkWire(sys)...)
	for _, l := range sys.Lookups {
		lk := func(attr string) plan.Place { return plan.Place{System: sys.Name, Lookup: l.Name, Attr: attr} }
		if l.Path == "" || l.Label == "" {
			badAt(lk(""), "needs path and label")
		}
		inVocab(lk("missing"), l.Missing, plan.MissingPolicies)
		for _, p := range []struct{ attr, path string }{{"path", l.Path}, {"create_path", l.CreatePath}} {
			if _, err := plan.ParseRoute(p.path); err != nil {
				badAt(lk(p.attr), "%s: %v", p.attr, err)
			}
		}
	}
	return out
}
