// Package itglue is a local stand-in for the IT Glue API (api.itglue.com):
// an in-memory server speaking its JSON:API wire protocol closely enough
// that third-party IT Glue clients work against it unchanged (checked with
// the npm client node-itglue, see TestNodeITGlueClient).
//
//	sb := itglue.New(itglue.Options{})
//	_ = sb.Seed(msp.Generate(msp.Options{Seed: 1}))
//	srv, _ := core.Start(sb.Handler(), core.ServeOptions{TLS: true})
//	// GET srv.URL+"/configurations?page[size]=1000" with x-api-key: sb.Credentials().APIKey
//
// # Resources
//
// Served at the root of the URL space, like the real API (no version
// prefix). JSON:API types are kebab-case, paths snake_case:
//
//	/organizations                  GET POST, bulk PATCH/DELETE; /:id GET PATCH
//	/organization_types, /organization_statuses, /configuration_types,
//	/configuration_statuses, /contact_types, /manufacturers
//	                                GET POST; /:id GET PATCH
//	/models                         GET POST; /:id GET PATCH; /manufacturers/:id/relationships/models
//	/operating_systems, /countries  GET; /:id GET
//	/regions                        GET; /:id GET; /countries/:id/relationships/regions
//	/configurations, /contacts, /locations, /tickets
//	                                GET POST, bulk PATCH/DELETE; /:id GET PATCH;
//	                                /organizations/:id/relationships/<type>[/:id] GET POST (PATCH on /:id)
//
// /tickets is an ASSUMPTION: IT Glue's public API documents no ticket
// resource; the mapping files declare one, so it is served with the same
// conventions and attributes of our choosing (organization-id and number
// required; board, summary, status, priority, contact-id,
// configuration-ids, closed, psa-created-at, psa-updated-at).
//
// Records carry their id as a string in data.id and references as numbers
// in *-id attributes. Every attribute of the resource is rendered, null
// when empty. created-at / updated-at are RFC 3339 UTC with milliseconds,
// set by the sandbox clock. Names (organization-name, configuration-type-
// name, location-name, contact-name, ...) are derived from the ids when a
// record is rendered, so writing configuration-type-id changes
// configuration-type-name and renaming a type shows everywhere.
//
// # Protocol decisions
//
// Where the documentation is silent or ambiguous the sandbox decides as
// follows (see api-protocols section 3 for the facts it rests on):
//
//   - Authentication: x-api-key must equal the configured key. A missing or
//     wrong key gives 403 with a JSON:API error (the documented answer to a
//     bad key); the sandbox never answers 401.
//   - Media type: bodies of POST, PATCH and DELETE must be
//     application/vnd.api+json, parameters such as charset allowed;
//     anything else, including a missing Content-Type, gives 415.
//     application/json is accepted only with Options.AcceptPlainJSON.
//   - Pagination: page[number] (default 1) and page[size] (default 50). A
//     size over 1000 is refused with 422 rather than clamped ("the maximum
//     number of page results that can be requested is 1000"); a malformed
//     or non-positive value gives 400. meta carries current-page,
//     next-page, prev-page, total-pages, total-count and filters; links
//     carry absolute self, first, prev, next, last URLs. total-pages is 0
//     for no records; next-page/prev-page are null on the last/first page
//     and past the end.
//   - Filters: filter[<attr>] with the keys each resource documents, in
//     snake or kebab case, values comma-separated. Strings match exactly but
//     case-insensitively. filter[exclude][<attr>] works for id, integer and
//     string filters. filter[created_at] / filter[updated_at] exist on
//     organizations only and take "start, end" with * for an open end (a
//     bare date as the end means the whole day); Options.MaxDateFilterRange
//     can refuse long ranges. filter[psa_id] without
//     filter[psa_integration_type] gives 422, as does an integration type
//     outside manage, autotask, tigerpaw, kaseya-bms, pulseway-psa, vorex.
//     An undocumented filter gives 400 naming the parameter.
//   - Sort: comma-separated keys from the resource's list, "-" for
//     descending; an unknown key gives 400. Strings sort case-insensitively,
//     nulls last ascending and first descending, ties by ascending id.
//   - include and fields[...] are accepted and ignored (no side-loading).
//   - Writes: attribute names in kebab or snake case; ids as numbers or
//     numeric strings. An attribute the resource does not have gives 422
//     pointing at it (Options.IgnoreUnknownAttributes drops them instead);
//     server-maintained ones (created-at, *-name, resource-url, ...) are
//     ignored. References must exist and agree with the record (a location
//     or contact of the same organization, a model of the given
//     manufacturer, a region of the given country), mac-address is at most
//     17 characters, installed-at / purchased-at / warranty-expires-at are
//     dates (YYYY-MM-DD; a date-time is cut to its date). Errors are
//     {"errors":[{status, title, detail, source:{pointer|parameter}}]}.
//   - POST answers 201 with the created record. PATCH answers 200 with the
//     record; attributes left out stay as they are; updated-at moves only
//     when a value really changes; relationships in a PATCH give 422.
//   - Batches: data may be an array on every create route (IT Glue
//     documents it for the nested routes). Bulk PATCH on a collection takes
//     data:[{type, attributes:{id, ...}}]; bulk DELETE takes the same shape
//     (or resource-level ids) and answers 200 with the identifiers of the
//     deleted records. filter[...] parameters on a bulk request limit which
//     records it may touch. One bad element does not sink the others: the
//     answer holds the records that succeeded in data, in request order,
//     and one error per failed element in meta.errors (JSON:API forbids
//     data and errors side by side), each with source.pointer
//     "/data/<i>/..." and meta.index <i>. When every element fails the
//     answer is an ordinary error document (their common status, else 422).
//   - Deleting an organization deletes what is nested under it at once (IT
//     Glue does it asynchronously); deleting a record clears references to
//     it. There is no single-record DELETE (405).
//   - Rate limit: Options.Budget requests (default 3000) per
//     Options.BudgetWindow (default 5 minutes) per key, in fixed windows;
//     then 429 with Retry-After in seconds until the window ends (IT Glue
//     does not document Retry-After).
//   - IT Glue's own PSA integration: LinkPSA marks a record as synced
//     (psa-integration then renders the integration type, an assumption of
//     ours about that attribute's content) so filter[psa_id] finds it. With
//     Options.EnforcePSARestrictions such records become read-only the way
//     IT Glue makes them (422), except the attributes IT Glue leaves
//     editable. Off by default: our engine is the sync.
//   - Organizations' quick-notes are cut to 250 characters in list
//     responses, as IT Glue does; show responses carry them whole.
//
// Faults (5xx, 429, latency, a write whose answer is lost) come from the
// sandbox/core fault layer (Options.Faults, SetFaults) and are logged with
// every request (Log).
//
// Not modelled: configuration interfaces, flexible assets, passwords,
// documents, attachments, related items, groups, users, RMM ids and
// filters, MyGlue, filter[range], include side-loading, organizations'
// ancestor-ids and configuration-type-kind.
//
// # Performance
//
// Each record caches its rendered list form until it, or something it
// derives names from, changes; whole-table sort orders are cached per sort
// key; nested routes and organization_id filters use an index by parent.
// BenchmarkConfigurationPages serves 1000-record pages of a
// 25,000-configuration sandbox.
package itglue
