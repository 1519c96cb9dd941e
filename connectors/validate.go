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
	if sys.Connector != "" && sys.Connector != "rest" {
		bad("connector %q is not supported (only \"rest\")", sys.Connector)
	}
	if sys.BaseURL == "" && sys.Discovery == nil {
		bad("base_url is empty and there is no discovery")
	}
	oneOf("auth scheme", sys.Auth.Scheme, "", plan.AuthNone, plan.AuthBasic, plan.AuthHeader, plan.AuthToken)
	if sys.Auth.Scheme == plan.AuthToken {
		if sys.Auth.Token == nil {
			bad("auth scheme token needs a token block")
		} else {
			oneOf("token encoding", sys.Auth.Token.Encoding, "", "form", "multipart", "json")
			if sys.Auth.Token.TokenPath == "" {
				bad("token login needs token_path")
			}
		}
	}
	if d := sys.Discovery; d != nil && (d.URL == "" || d.BaseURLPath == "") {
		bad("discovery needs url and base_url_path")
	}
	oneOf("paging style", sys.Paging.Style, "", plan.PagingPageNumber, plan.PagingNextURL, plan.PagingBody, plan.PagingNone)
	oneOf("paging stop", sys.Paging.Stop, "", plan.StopLinkHeader, plan.StopTotalPages, plan.StopShortPage)
	oneOf("paging next_method", strings.ToUpper(sys.Paging.NextMethod), "", "GET", "POST")
	if sys.Paging.Style == plan.PagingNextURL && sys.Paging.NextURLPath == "" {
		bad("paging next_url needs next_url_path")
	}
	oneOf("filter dialect", sys.Filter, "", dialectConditions, dialectJSONAPI, dialectBodyFilter, dialectQuery)
	for _, o := range sys.Objects {
		where := fmt.Sprintf("object %q", o.Name)
		oneOf(where+" write", o.Write, "", plan.WriteJSONPatch, plan.WriteJSONAPI, plan.WritePartialPatch, plan.WritePut, plan.WriteNone)
		if o.ListPath == "" && o.Derive == nil {
			bad("%s has no list_path", where)
		}
		if n := len(listRefPlaceholder.FindAllString(o.ListPath, -1)); n > 1 {
			bad("%s list_path has %d {ref:...} placeholders; one is supported", where, n)
		}
		if o.Write == plan.WriteJSONAPI && o.ResourceType == "" {
			bad("%s writes jsonapi but has no resource_type", where)
		}
		if o.ListBody != "" && !json.Valid([]byte(o.ListBody)) {
			bad("%s list_body is not valid JSON", where)
		}
		if cs := o.ChangedSince; cs != nil {
			oneOf(where+" changed_since mode", cs.Mode, plan.ChangedFilter, plan.ChangedSortDesc)
			if cs.Mode == plan.ChangedFilter {
				if sys.Filter == dialectBodyFilter {
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
				if r.Wrap != "" && r.Wrap != wrapJSONAPIArray && r.Wrap != wrapArray && !strings.HasPrefix(r.Wrap, wrapObjectPrefix) {
					bad("%s bulk wrap %q is not one of jsonapi_array, array, object:<member>", where, r.Wrap)
				}
			}
		}
	}
	for _, l := range sys.Lookups {
		where := fmt.Sprintf("lookup %q", l.Name)
		if l.Path == "" || l.Label == "" {
			bad("%s needs path and label", where)
		}
		oneOf(where+" missing", l.Missing, "", plan.MissingCreate, plan.MissingSkip, plan.MissingEmpty, plan.MissingError)
	}
	if len(errs) > 0 {
		return fmt.Errorf("system %q: %w", sys.Name, errors.Join(errs...))
	}
	return nil
}
