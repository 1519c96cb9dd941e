// Package bms is a local Kaseya BMS API 2.0 for tests, demos and
// benchmarks, which can also present itself as Pulseway PSA
// (Options.Flavor). It is an in-memory server under /v2 that speaks the
// wire protocol of the vendor's published OpenAPI document ("BMS API 2.0")
// as closely as a sandbox can: token login, the response envelope, Filter.X
// query parameters and search bodies, PageSize/PageNumber paging, PUT and
// JSON Patch, and the field names of the spec's DTOs.
//
// # Two products, one surface
//
// Pulseway PSA publishes no spec. Its help pages give the same
// authentication path, the same tenant/user/password login and the same
// limit of 1500 calls per hour per endpoint, and IT Glue maps BMS, Vorex
// and Pulseway PSA fields with one table. That the two APIs are the same is
// an inference from these facts, not documented. The flavors differ only
// in names: Flavor.Product, the default tenant (Flavor.DefaultTenant), the
// production host put in the token's issuer claim (Flavor.DefaultHost) and
// the TenantName of accounts. Fixtures are the same format for both.
//
// # Login
//
// POST /v2/security/authenticate takes multipart/form-data (as the spec
// says) or application/x-www-form-urlencoded:
//
//	GrantType=password           UserName, Password, Tenant
//	GrantType=refresh_token      RefreshToken (designed: the spec has no field for it)
//	GrantType=client_credentials ClientId, ClientSecret
//
// and answers the envelope with the spec's TokenOutputDto:
// {AccessToken, RefreshToken, AccessTokenExpireOn, RefreshTokenExpireOn}.
// The access token is a JWT (HS256 over a per-sandbox key) sent as
// "Authorization: Bearer"; it lives Options.TokenLifetime (1 h), refresh
// tokens Options.RefreshLifetime (7 days) and are single-use (rotated).
// Time comes from Options.Clock, so tests expire tokens without sleeping.
//
// # Envelope and failures
//
// Every answer, errors and injected faults included, is
// {Success, Error{Code, Message, Details, StackStrace, SubErrors[]}, Result}
// with TotalRecords on lists. The spec documents only HTTP 200 answers and
// says failures can come as 200 with Success=false; the sandbox does both:
//
//	wrong credentials, bad or used refresh token  200, Success=false, Code 401
//	validation of a create, PUT or PATCH          200, Success=false, Code 400, one SubErrors line per problem
//	GET /crm/accounts/summary/{id}, /crm/contacts/summary/{id} of a missing id
//	                                              200, Success=false, Code 404
//	missing, foreign or expired bearer token      401 (Code 401)
//	other missing ids, unknown routes             404; wrong method 405
//	malformed JSON, bad query values, bad patch   400; wrong Content-Type 415
//	rate limit                                    429 with Retry-After (seconds to the window's end)
//
// # Routes (under /v2)
//
// [S] = in the spec, [D] = designed here (the spec lacks it or the brief
// needed it).
//
//	POST  /security/authenticate                                  [S]
//	POST  /crm/accounts  (AccountPostInputDto, Locations inline)  [S]
//	PUT, PATCH /crm/accounts/{id}                                 [S]
//	GET   /crm/accounts/summary, /summary/{id}, /lookup           [S]
//	GET   /crm/accounts/{id}; POST /crm/accounts/search           [D]
//	GET   /crm/accounts/{accountId}/locations/lookup, /{locationId} [S]
//	GET, POST /crm/accounts/{accountId}/locations; PUT, PATCH .../{locationId} [D]
//	GET   /crm/locations; POST /crm/locations/search (all accounts, for incremental reads) [D]
//	POST  /crm/contacts/summary (create)                          [S]
//	GET   /crm/contacts/summary, /summary/{id}, GET /crm/contacts/search [S]
//	PUT, PATCH, DELETE /crm/contacts/{id}                         [S]
//	POST  /crm/contacts (create); GET /crm/contacts/{id}; POST /crm/contacts/search [D]
//	POST  /servicedesk/hardwareasset; GET, PUT, DELETE .../{assetId}; GET .../searchselect [S]
//	GET   /servicedesk/hardwareasset (list); POST .../search; PATCH .../{assetId} [D]
//	GET, POST /servicedesk/tickets; POST /search; GET, PUT, PATCH, DELETE /{ticketId} [S]
//	GET, POST /servicedesk/tickets/{ticketId}/notes; GET, PUT, DELETE .../notes/{noteId} [S]
//	GET   /system/{statuses,priorities,queues,issuetypes,accounttypes}/lookup [S]
//	GET   /system/{assetcategories,assetstates,manufacturers,phonetypes,emailtypes,countries}/lookup [D]
//
// Hardware assets: the reference notes found no asset CRUD, but the spec
// has /v2/servicedesk/hardwareasset (HardwareAssetInputDto/OutputDto), so
// the sandbox uses it rather than inventing a path. IT Glue's mapping
// (Configuration ⇄ Asset) lands on: Name, AssetTag, ContactId, DefaultGateway,
// StateId/State (status; [D] interpretation), CategoryId/Category (type),
// IpAddress, AccountLocationId/AccountLocation (client location),
// ManufacturerId/Manufacturer, ModelNumber, Description (notes), OsInfo
// (operating system), LocationInfo (physical location), OsType (platform),
// AcquisitionDate (purchased), SerialNumber, MacAddress,
// WarrantyExpirationDate. Writes accept Category, State and Manufacturer
// by name as well as by id.
//
// Accounts follow AccountPostInputDto/AccountSummaryOutputDto: AccountName,
// AccountCode (unique, case-insensitive), AccountTypeId/AccountType,
// ParentId, IsActive (the spec has no account status; the seed sets
// IsActive from the status), Locations[] and a derived MainLocationId [D]
// (the location with IsMain; an account's first location is main, and
// setting IsMain on one clears it on the others). Locations hold
// LocationName, IsMain, IsActive and Addresses[] (Address1, Address2, City,
// State, ZipCode, CountryId/Country, Phone, Fax, ...).
//
// Contacts follow ContactInputDto/ContactOutputDto: AccountId, LocationId,
// FirstName, LastName, JobTitle, Poc (IT Glue's Important Contact; IsPoc in
// the summary and search shapes), IsActive, Phones[{Id, Phone (PhoneNumber
// on input), PhoneTypeId/PhoneType, IsDefault}] and Emails[{Id,
// EmailAddress, EmailTypeId/EmailType, IsDefault}]. A create or update
// needs what IT Glue needs to push a BMS contact: a first name, at least
// one email, at least one phone and a location of the contact's account;
// exactly one item of each list is the default (the first when none is
// marked). PUT keeps Phones and Emails when the body leaves them out (the
// spec's ContactPutInputDto has neither).
//
// Tickets follow TicketInputDto/TicketOutputDto; TicketNumber
// ("T<yyyymmdd>.<n>"), LastActivityUpdate (every write and every new note)
// and CompletedDate (a status flagged IsCompleted) are system fields.
//
// # Lists
//
// GET lists take PageSize (default 25, capped at 100: the spec states no
// cap; the values are designed), PageNumber (1-based), Sort ("Field",
// "Field desc" or "-Field"; ties and the default order by Id), Exclude
// (comma-separated fields left out of each result) and Filter.X; search
// routes take the same in a body {PageSize, PageNumber, Sort, Exclude,
// Filter{...}}. Unknown filters are ignored, as .NET model binding does.
// Text filters match a case-insensitive substring, *Ids filters a comma
// list, *Names filters a comma list of exact names, From/To filters are
// inclusive. Every collection has Filter.CreatedOnFrom/To and
// ModifiedOnFrom/To (the spec has them on accounts and contacts; tickets
// also have LastActivityUpdateFrom/To, OpenDate, CompletedDate, DueDate).
// Times are UTC, rendered "2006-01-02T15:04:05.9999999Z"; filters accept
// RFC 3339 or a zone-less time taken as UTC.
//
// # PATCH
//
// A JSON Patch array (application/json-patch+json; application/json is
// accepted) of {op, path, value, from} with add, remove, replace, move,
// copy and test. Property names match case-insensitively ("/accountname",
// "/Phones/0/phone", "/Emails/-"), read-only and unknown properties are
// refused, and the patched record is validated like a PUT.
//
// # Rate limit, faults, fixtures
//
// Each endpoint (method and route pattern) gets Options.RateLimit calls
// (default 1500, negative: off) per Options.RateWindow (default 1 h,
// aligned on the clock); sandbox/core adds injected 429/5xx, latency and
// responses lost after a committed write (SetFaults), the request log
// (Log, ResetLog), fixtures (DumpFixture, LoadFixture) and serving
// (core.Start with TLS). Seed fills it from an msp.Dataset: accounts from
// companies, locations from sites, contacts (phones and emails by type),
// hardware assets from configurations, tickets and notes, with generator
// keys kept for IDForKey.
//
// # Third-party clients
//
// No maintained client of the BMS or Pulseway PSA v2 API exists in the
// npm, PyPI or Go package lists available here, so the protocol tests use
// Go's net/http as a generic client.
package bms
