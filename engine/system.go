package engine

import (
	"sort"
	"time"

	"mapsync/dsl"
	"mapsync/engine/plan"
)

func compileSystem(cfg *dsl.Config, s *dsl.System) plan.System {
	out := plan.System{
		Name: s.Name, Title: s.Title, Role: s.Role, Connector: s.Connector, BaseURL: s.BaseURL,
		Headers: s.Headers, Auth: s.Auth, Discovery: s.Discovery, TLS: s.TLS,
		RateLimit: s.RateLimit, Retry: s.Retry, Paging: s.Paging, Envelope: s.Envelope,
		Filter: s.Filter, ContentType: s.ContentType, TimeFormat: s.TimeFormat,
		Objects: []plan.Object{}, Lookups: []plan.Lookup{},
	}
	for _, o := range s.Objects {
		out.Objects = append(out.Objects, compileObject(cfg, s, o))
	}
	sort.Slice(out.Objects, func(i, j int) bool { return out.Objects[i].Name < out.Objects[j].Name })
	for _, l := range s.Lookups {
		pl := l.Lookup
		compileLookupWire(s, l, &pl)
		out.Lookups = append(out.Lookups, pl)
	}
	sort.Slice(out.Lookups, func(i, j int) bool { return out.Lookups[i].Name < out.Lookups[j].Name })
	return out
}

func compileObject(cfg *dsl.Config, s *dsl.System, o *dsl.Object) plan.Object {
	out := plan.Object{
		Name: o.Name, ResourceType: o.ResourceType, ListPath: o.ListPath, ListBody: o.ListBody,
		ItemPath: o.ItemPath, CreatePath: o.CreatePath, UpdatePath: o.UpdatePath, DeletePath: o.DeletePath,
		Query: o.Query, ID: o.ID, Updated: o.Updated, Created: o.Created,
		Write: o.Write, Sweep: int(o.Sweep / time.Second), ChangedSince: o.ChangedSince, Bulk: o.Bulk, Fields: []plan.Field{},
		Offers: o.Offers, DefaultDirection: o.DefaultDirection,
	}
	if o.ListMethod != "GET" {
		out.ListMethod = o.ListMethod
	}
	if out.Write == "" {
		out.Write = s.Write
	}
	if out.ChangedSince == nil {
		out.ChangedSince = s.ChangedSince
	}
	compileObjectWire(s, o, &out)
	for _, dv := range o.Derive {
		out.Derive = append(out.Derive, plan.Derive{From: dv.From, Each: exprSource(dv.Each), ID: exprSource(dv.ID)})
	}
	if len(o.Derive) > 0 {
		out.Write, out.ID = plan.WriteNone, "" // never written; ids come from derive
	}
	ct := cfg.Canonical[o.Name]
	for _, f := range o.Fields {
		pf := plan.Field{
			Name: f.Name, Path: f.Path, WritePath: f.WritePath, Ref: f.Ref, Lookup: f.Lookup,
			Access: f.Access, ToCanonical: exprSource(f.ToCanonical), FromCanonical: exprSource(f.FromCanonical),
			RequiredOnCreate: f.RequiredOnCreate, CreateOnly: f.CreateOnly, Fetch: f.Fetch, Flag: f.Flag,
			RefetchQuery: f.RefetchQuery, RefetchLimit: f.RefetchLimit,
			Range: rangeOf(f.DeclRange), LookupLabel: f.LookupLabel,
		}
		if ct != nil {
			if cf := ct.Field(f.Name); cf != nil {
				pf.Ref = cf.Ref // the canonical type decides what a field references
			}
		}
		out.Fields = append(out.Fields, pf)
	}
	return out
}

func exprSource(e *dsl.Expr) string {
	if e == nil {
		return ""
	}
	return e.Source
}
