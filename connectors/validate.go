package connectors

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"mapsync/engine/plan"
)

// validate checks that every style the system declares is one this runtime
// executes, so a typo fails at New and not halfway through a sync.
func validate(sys plan.System) error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	oneOf := func(what, v string, allowed ...string) {
		for _, a := range allowed {
			if v == a {
				return
			}
		}
		bad("%s %q is not one of %s", what, v, strings.Join(allowed, ", "))
	}
	// inVocab checks a name against its plan vocabulary; "" is the default.
	inVocab := func(where, v string, vocab plan.Vocab) {
		if err := vocab.Check(v); v != "" && err != nil {
			bad("%s%v", where, err)
		}
	}
	if sys.Connector != "" && sys.Connector != "rest" {
		bad("connector %q is not supported (only \"rest\")", sys.Connector)
	}
	if sys.BaseURL == "" && sys.Discovery == nil {
		bad("base_url is empty and there is no discovery")
	}
	inVocab("", sys.Auth.Scheme, plan.AuthSchemes)
	if sys.Auth.Scheme == plan.AuthToken {
		if sys.Auth.Token == nil {
			bad("auth scheme token needs a token block")
		} else {
			inVocab("", sys.Auth.Token.Encoding, plan.TokenEncodings)
			if sys.Auth.Token.TokenPath == "" {
				bad("token login needs token_path")
			}
		}
	}
	if d := sys.Discovery; d != nil && (d.URL == "" || d.BaseURLPath == "") {
		bad("discovery needs url and base_url_path")
	}
	inVocab("", sys.Paging.Style, plan.PagingStyles)
	inVocab("", sys.Paging.Stop, plan.PagingStops)
	oneOf("paging next_method", strings.ToUpper(sys.Paging.NextMethod), "", "GET", "POST")
	if sys.Paging.Style == plan.PagingNextURL && sys.Paging.NextURLPath == "" {
		bad("paging next_url needs next_url_path")
	}
	inVocab("", sys.Filter, plan.FilterDialects)
	for _, o := range sys.Objects {
		where := fmt.Sprintf("object %q", o.Name)
		inVocab(where+" ", o.Write, plan.WriteStyles)
		if o.ListPath == "" && o.Derive == nil {
			bad("%s has no list_path", where)
		}
		for _, p := range []struct{ attr, path string }{{"list_path", o.ListPath}, {"item_path", o.ItemPath},
			{"create_path", o.CreatePath}, {"update_path", o.UpdatePath}, {"delete_path", o.DeletePath}} {
			r, err := plan.ParseRoute(p.path)
			if err != nil {
				bad("%s %s: %v", where, p.attr, err)
			} else if p.attr == "list_path" && len(r.Refs()) > 1 {
				bad("%s list_path has %d {ref:...} placeholders; one is supported", where, len(r.Refs()))
			}
		}
		if o.Write == plan.WriteJSONAPI && o.ResourceType == "" {
			bad("%s writes jsonapi but has no resource_type", where)
		}
		if o.ListBody != "" && !json.Valid([]byte(o.ListBody)) {
			bad("%s list_body is not valid JSON", where)
		}
		if cs := o.ChangedSince; cs != nil {
			if err := plan.ChangedModes.Check(cs.Mode); err != nil {
				bad("%s %v", where, err)
			}
			if cs.Mode == plan.ChangedFilter {
				if sys.Filter == plan.FilterQueryBody {
					probe := strings.ReplaceAll(cs.Template, "${cursor}", "2006-01-02T15:04:05Z")
					if !json.Valid([]byte(probe)) {
						bad("%s changed_since template must be a JSON filter item for the %q dialect", where, sys.Filter)
					}
				} else if cs.Param == "" {
					bad("%s changed_since filter needs param", where)
				}
				if !strings.Contains(cs.Template, "${cursor}") {
					bad("%s changed_since template has no ${cursor}", where)
				}
				if cs.MaxWindow > 0 && !strings.Contains(cs.Template, "${until}") {
					bad("%s changed_since max_window needs ${until} in the template to close each window", where)
				}
			}
			if cs.Mode == plan.ChangedSortDesc && (cs.SortParam == "" || o.Updated == "") {
				bad("%s changed_since sort_desc needs sort_param and the object's updated path", where)
			}
		}
		if b := o.Bulk; b != nil {
			for _, r := range []*plan.BulkRoute{b.Create, b.Update} {
				if r == nil {
					continue
				}
				if _, _, err := plan.ParseBulkWrap(r.Wrap); err != nil {
					bad("%s %v", where, err)
				}
			}
		}
	}
	for _, l := range sys.Lookups {
		where := fmt.Sprintf("lookup %q", l.Name)
		if l.Path == "" || l.Label == "" {
			bad("%s needs path and label", where)
		}
		inVocab(where+" ", l.Missing, plan.MissingPolicies)
		for _, path := range []string{l.Path, l.CreatePath} {
			if _, err := plan.ParseRoute(path); err != nil {
				bad("%s %v", where, err)
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("system %q: %w", sys.Name, errors.Join(errs...))
	}
	return nil
}
