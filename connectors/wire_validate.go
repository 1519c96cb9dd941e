package connectors

import (
	"fmt"
	"net/http"
	"strings"

	"mapsync/engine/plan"
)

// checkWire lists what New refuses in the declarations of wire.go: OAuth2
// and token refresh, and the objects' create and update shapes.
func checkWire(sys plan.System) []plan.Problem {
	var out []plan.Problem
	bad := func(pl plan.Place, format string, args ...any) {
		out = append(out, plan.Problem{Place: pl, Message: fmt.Sprintf(format, args...)})
	}
	sysAt := func(attr string) plan.Place { return plan.Place{System: sys.Name, Attr: attr} }
	switch a := sys.Auth; a.Scheme {
	case plan.AuthOAuth2:
		o := a.OAuth2
		switch {
		case o == nil:
			bad(sysAt("auth"), "auth scheme oauth2 needs token_url, client_id and client_secret")
		case o.TokenURL == "" || o.ClientID == "" || o.ClientSecret == "":
			bad(sysAt("auth"), "auth oauth2 needs token_url, client_id and client_secret")
		case o.Credentials != "":
			if err := plan.OAuth2Credentials.Check(o.Credentials); err != nil {
				bad(sysAt("auth.credentials"), "%v", err)
			}
		}
	case plan.AuthToken:
		if t := a.Token; t != nil {
			if t.Path == "" && t.URL == "" {
				bad(sysAt("auth"), "token login needs path or url")
			}
			if t.Path != "" && t.URL != "" {
				bad(sysAt("auth.url"), "token login has both path and url: path is relative to the base URL, url is absolute; keep one")
			}
			if r := t.Refresh; r != nil {
				if r.TokenPath == "" {
					bad(sysAt("auth.refresh"), "refresh needs token_path, where the login's answer holds the refresh token")
				}
				if r.Encoding != "" {
					if err := plan.TokenEncodings.Check(r.Encoding); err != nil {
						bad(sysAt("auth.refresh.encoding"), "%v", err)
					}
				}
				if r.Path != "" && r.URL != "" {
					bad(sysAt("auth.refresh.url"), "refresh has both path and url; keep one")
				}
			}
		}
	}
	for _, o := range sys.Objects {
		if o.Paging != nil {
			out = append(out, checkPaging(plan.Place{System: sys.Name, Object: o.Name}, *o.Paging)...)
		}
		for _, f := range o.Fields {
			if !o.Writable() || f.Access == plan.FieldRead || f.Flag != "" || f.Fetch != "" {
				continue
			}
			attr, p := "write_path", f.WritePath
			if p == "" {
				attr, p = "path", f.Path
			}
			for seg := range strings.SplitSeq(p, ".") {
				if strings.Contains(seg, "=") {
					bad(plan.Place{System: sys.Name, Object: o.Name, Field: f.Name, Attr: attr},
						"%s %q selects an element (%s), which can be read but not written: add write_path or access = \"read\"", attr, p, seg)
					break
				}
			}
		}
		for _, w := range []struct {
			verb  string
			shape *plan.WriteShape
		}{{"create", o.Create}, {"update", o.Update}} {
			if w.shape == nil {
				continue
			}
			at := func(attr string) plan.Place {
				return plan.Place{System: sys.Name, Object: o.Name, Attr: w.verb + "." + attr}
			}
			if m := strings.ToUpper(w.shape.Method); m != "" && m != http.MethodPost && m != http.MethodPut && m != http.MethodPatch {
				bad(at("method"), "%s method %q is not one of POST, PUT, PATCH", w.verb, w.shape.Method)
			}
			if w.shape.Body != "" {
				if _, _, err := plan.ParseBodyShape(w.shape.Body); err != nil {
					bad(at("body"), "%v", err)
				}
			}
			if w.shape.Path != "" {
				if _, err := plan.ParseRoute(w.shape.Path); err != nil {
					bad(at("path"), "path: %v", err)
				}
			}
		}
		if !o.Writable() {
			continue
		}
		// The resolved shapes: the write style's preset under the blocks.
		if o.Create != nil {
			cs := o.CreateShape()
			kind, _, err := plan.ParseBodyShape(cs.Body)
			pl := plan.Place{System: sys.Name, Object: o.Name, Attr: "create.body"}
			switch {
			case err != nil:
			case kind == plan.BodyJSONPatch || kind == plan.BodyWhole:
				bad(pl, "body %q changes a record that exists: a create cannot send it", cs.Body)
			case kind == plan.BodyJSONAPI && o.ResourceType == "":
				bad(pl, "body jsonapi needs the object's resource_type")
			}
		}
		if o.Update != nil {
			us := o.UpdateShape()
			pl := plan.Place{System: sys.Name, Object: o.Name, Attr: "update.body"}
			kind, _, err := plan.ParseBodyShape(us.Body)
			switch {
			case us.Body == "":
				bad(plan.Place{System: sys.Name, Object: o.Name, Attr: "update"},
					"update needs a body: the object's write style %q gives none", orDefault(o.Write, plan.WriteNone))
			case err != nil:
			case !routeHasID(us.Path) && !plan.BodyCarriesID(kind):
				if o.Update.Body == "" && o.Update.Path != "" {
					pl.Attr = "update.path" // the body is the write style's
				}
				bad(pl, "body %q cannot carry the record's id, and the route %s has no {id}", us.Body, us.Path)
			case kind == plan.BodyJSONAPI && o.ResourceType == "":
				bad(pl, "body jsonapi needs the object's resource_type")
			}
		}
	}
	for _, l := range sys.Lookups {
		if l.Paging != nil {
			out = append(out, checkPaging(plan.Place{System: sys.Name, Lookup: l.Name}, *l.Paging)...)
		}
	}
	return out
}

// checkPaging checks a paging declaration (the system's, an object's or a
// lookup's, at pl).
func checkPaging(pl plan.Place, p plan.Paging) []plan.Problem {
	var out []plan.Problem
	bad := func(attr, format string, args ...any) {
		at := pl
		at.Attr = attr
		out = append(out, plan.Problem{Place: at, Message: fmt.Sprintf(format, args...)})
	}
	if err := plan.PagingStyles.Check(p.Style); p.Style != "" && err != nil {
		bad("paging", "%v", err)
	}
	if err := plan.PagingStops.Check(p.Stop); p.Stop != "" && err != nil {
		bad("paging.stop", "%v", err)
	}
	if m := strings.ToUpper(p.NextMethod); m != "" && m != http.MethodGet && m != http.MethodPost {
		bad("paging.next_method", "paging next_method %q is not one of GET, POST", p.NextMethod)
	}
	if p.Style == plan.PagingNextURL && p.NextURLPath == "" {
		bad("paging", "paging next_url needs next_url_path")
	}
	return out
}
