// Package tigerpaw is a local stand-in for a Tigerpaw REST API: an
// in-memory server under Base (/api/v1) holding accounts and contacts,
// seeded from an msp.Dataset, with TLS, fixtures, a request log and the
// sandbox/core faults (429 with Retry-After, 5xx, latency, responses lost
// after a committed write).
//
//	sb := tigerpaw.New(tigerpaw.Options{})
//	_ = sb.Seed(msp.Generate(msp.Options{Seed: 1}))
//	srv, _ := core.Start(sb.Handler(), core.ServeOptions{TLS: true})
//	// GET srv.URL+tigerpaw.Base+"/accounts?pageSize=500"
//	// with Authorization: sb.Credentials().Authorization()
//
// # What is known and what is designed
//
// Known (api-protocols section 6, product-behaviour section 4): REST API
// access uses a public and a private key generated per account rep; the
// documentation system syncs accounts and active contacts one way; Tigerpaw
// has no locations (they are derived from the address fields of accounts
// and contacts); phone numbers are kept per type with one marked primary;
// there is no configuration sync. The sandbox models exactly those records
// and nothing else (no configurations, tickets or sites).
//
// DESIGNED: the wire protocol is not documented anywhere we can reach.
// Everything below (base path, authentication scheme, paths, field names,
// envelopes, paging, filters, error shape, rate limit, write semantics) is
// our design: conventional for a .NET REST API, self-consistent and strict,
// so that a mapping written against it fails loudly on a mistake. A real
// tenant may differ in any of these points.
//
// No public third-party client of a Tigerpaw REST API exists in the npm or
// PyPI package lists we can reach, so unlike the ConnectWise and IT Glue
// sandboxes no third-party client test accompanies this one.
//
// # Authentication (designed)
//
// HTTP Basic with the account rep's keys: "Authorization: Basic
// base64(publicKey:privateKey)" on every request. A missing, malformed or
// wrong header gives 401 with WWW-Authenticate: Basic realm="Tigerpaw" and
// the JSON error body. Credentials returns the accepted keys; the rep's name
// is written to CreatedBy / ModifiedBy by API writes.
//
// # Resources (designed)
//
//	GET    /accounts                         list (filters below)
//	POST   /accounts                         create: 201, Location, the record
//	GET    /accounts/{accountNumber}         one account
//	PATCH  /accounts/{accountNumber}         JSON merge patch (RFC 7396): 200, the record
//	DELETE /accounts/{accountNumber}         204; 409 AccountHasContacts while it has contacts
//	GET    /accounts/{accountNumber}/contacts  the account's contacts (filters below)
//	GET    /contacts                         list (filters below)
//	POST   /contacts                         create (AccountNumber in the body)
//	GET    /contacts/{contactNumber}         one contact
//	PATCH  /contacts/{contactNumber}         JSON merge patch
//	DELETE /contacts/{contactNumber}         204
//	GET    /accounttypes, /accountstatuses, /contacttypes, /phonetypes, /emailtypes
//	                                         reference lists ({Name} items)
//	GET    /accountreps/me                   the rep the keys belong to
//
// Any other method on a known path is 405 with Allow; an unknown path 404.
// PUT is not offered (405): updates are merge patches.
//
// # Records (designed field names, PascalCase, every field always present)
//
// Account: AccountNumber (the id, integer), AccountID (the short code),
// AccountName, AccountType, Status, ParentAccountNumber (integer or null),
// Address, PhoneNumbers, WebSite, DateCreated, DateModified, CreatedBy,
// ModifiedBy.
//
// Contact: ContactNumber (the id), AccountNumber, FirstName, LastName,
// Title, ContactType, PersonalNotes, Active (inactive contacts are served
// like active ones: a sync must filter them), EmailAddresses, PhoneNumbers,
// Address, DateCreated, DateModified, CreatedBy, ModifiedBy.
//
// Address is null or {Address1, Address2, City, State, ZipCode, Country}
// (strings or null). A contact's address is its own copy: some contacts
// carry the same values as their account, some their own, some none.
// PhoneNumbers is a list of {Type, Number, Extension, IsPrimary} with at
// most one primary; Type is one of /phonetypes (Main, Business, Direct,
// Mobile, Home, Fax, Toll Free, Pager, Other). EmailAddresses is a list of
// {Address, Type, IsPrimary} (Business, Personal, Other; Business when
// left out), at most one primary. IsPrimary defaults to false. Times are RFC 3339 UTC with milliseconds
// ("2026-01-15T12:00:00.000Z"); DateModified moves on every write that
// changes something, and only then.
//
// # Lists (designed)
//
// Lists answer {"Items": [...], "Page", "PageSize", "TotalCount",
// "TotalPages"} in ascending number order. page is 1-based (default 1);
// pageSize defaults to 50 and may not exceed MaxPageSize (500). Filters,
// repeatable where marked (repeats are OR-ed), all AND-ed:
//
//	accounts: accountType*, status* (one of the reference names, compared
//	          case-insensitively), accountName, accountId (exact,
//	          case-insensitive), modifiedAfter
//	contacts: accountNumber* (not on the nested route), active (true|false),
//	          modifiedAfter
//
// modifiedAfter keeps records whose DateModified is strictly later; it takes
// RFC 3339 with a zone ("2026-01-01T00:00:00Z", fractions allowed) or a bare
// date (midnight UTC). An unknown parameter, a malformed value, a page
// below 1 or a page size outside 1..500 gives 400 InvalidParameter naming
// the parameter. A page past the end gives an empty Items list. Routes of
// one record take no query parameters at all (400).
//
// # Writes (designed)
//
// Bodies are JSON objects, Content-Type application/json (PATCH also
// application/merge-patch+json), else 415. Field names are matched exactly;
// an unknown field, a wrong type, a missing required field (AccountName,
// AccountType, Status; FirstName, LastName, AccountNumber), a value not in
// a reference list, two primaries, a phone without Number, an e-mail
// without "@", a duplicate AccountID or a string over its maximum length
// gives 400 ValidationFailed with Errors[{Field, Code, Message}] (Field is
// a path such as "PhoneNumbers[1].Type" or "Address.ZipCode"). Read-only
// fields (the numbers, Date*, *By) may be sent only with their current
// value. A contact's AccountNumber is fixed once created. PATCH merges: a
// field left out keeps its value, null clears it, Address merges field by
// field (null removes the block), lists are replaced whole. Address changes
// are plain field updates.
//
// # Errors (designed)
//
// Every error is JSON {"Code", "Message", "Errors": [...]} with Codes
// Unauthorized, NotFound, MethodNotAllowed, InvalidParameter, InvalidJson,
// UnsupportedMediaType, ValidationFailed, AccountHasContacts,
// RateLimitExceeded and ServerError (injected 5xx).
//
// # Rate limit (designed)
//
// Options.RateLimit requests per Options.RateWindow per public key (default
// 300 per minute, fixed windows opened by the first request); past it, 429
// RateLimitExceeded with Retry-After (seconds until the window ends).
// Responses carry X-RateLimit-Limit and X-RateLimit-Remaining. A negative
// RateLimit turns the limit off. Requests that fail authentication are not
// counted.
package tigerpaw
