// Package autotask is a local Autotask PSA REST API (v1.0) for tests, demos
// and benchmarks: an in-memory server that speaks the real wire protocol
// closely enough for real third-party clients (the Node client
// @apigrate/autotask-restapi is exercised by TestApigrateClient).
//
// # What it speaks
//
//   - Paths under /atservicesrest/v1.0 (Base). Path segments ignore case,
//     so the swagger's /ATServicesRest/V1.0 works too.
//   - Zone discovery without credentials: GET /atservicesrest/versioninformation
//     → {"apiVersions":["1.0"]}; GET /atservicesrest/v1.0/zoneInformation?user=EMAIL
//     → {zoneName, url, webUrl, ci}, where url is this server's own
//     "scheme://host/ATServicesRest/", so a client that discovers its zone
//     keeps talking to the sandbox.
//   - Authentication by the headers ApiIntegrationCode, UserName and Secret
//     on every other call (Options, Credentials).
//   - Entities: Companies, CompanyLocations (written through
//     /Companies/{parentId}/Locations), Contacts (written through
//     /Companies/{parentId}/Contacts), ConfigurationItems,
//     ConfigurationItemTypes, Products, Tickets, TicketNotes (written through
//     /Tickets/{parentId}/Notes) and Resources (read only). A configuration
//     item's manufacturer and model are its Product's manufacturerName and
//     manufacturerProductName; its name is referenceTitle, left empty on about
//     one seeded item in nine so that the product name stands in.
//   - Reads: GET /{Entity}/{id} → {"item":{…}} (every field of the entity,
//     null when unset); POST /{Entity}/query with a QueryModel {filter,
//     includeFields, maxRecords} or GET /{Entity}/query?search=<JSON>;
//     /query/count → {"queryCount":n}; GET /{Parent}/{parentId}/{Sub} and
//     /{Sub}/{id}.
//   - Filters: eq noteq gt gte lt lte beginsWith endsWith contains exist
//     notExist in notIn, and/or groups with items, nested to any depth; the
//     top-level list is an AND; field names ignore case; string comparisons
//     ignore case; datetimes compare as instants; booleans must be true or
//     false; udf:true filters on a user-defined field (one per query).
//     An empty filter is refused.
//   - Paging: at most 500 records per page (maxRecords is clamped), ordered
//     by id; {"items":[…],"pageDetails":{count, requestCount, prevPageUrl,
//     nextPageUrl}}. The page URLs are absolute and answer GET, or POST with
//     the same body; they carry an id cursor, so records written while a
//     client pages neither repeat nor go missing.
//   - Writes: POST (create) → {"itemId":n}; PATCH with the id in the body
//     changes only the fields sent; PUT sets the writable fields not sent to
//     null. Read-only fields (id, create and modification dates, ticket
//     numbers, RMM audit fields) are ignored; unknown properties are
//     ignored. Required fields, picklist values, references to other
//     entities, maximum lengths, the company of a referenced location,
//     contact or item, and that a contact never moves to another company
//     are checked. A refused write is HTTP 500 with {"errors":["…"]} and
//     changes nothing.
//   - userDefinedFields [{name, value}] on companies, contacts and
//     configuration items (PATCH merges by name); /entityInformation,
//     /entityInformation/fields (with picklistValues {value, label,
//     isDefaultValue, sortOrder, parentValue, isActive, isSystem}; the
//     configuration item types are the ConfigurationItemTypes records) and
//     /entityInformation/userDefinedFields.
//   - Limits: GET /ThresholdInformation → {externalRequestThreshold,
//     requestThresholdTimeframe (minutes), currentTimeframeRequestCount};
//     a rolling budget of Options.Budget requests per BudgetWindow for the
//     whole database (10,000 per hour by default); at most Options.Threads
//     concurrent requests per integration code and entity endpoint (3 by
//     default).
//   - Faults from sandbox/core (429 with Retry-After, 5xx, latency, a
//     response lost after a committed write) in the same error shape;
//     request counts per route ("POST /ConfigurationItems/query").
//
// # Documented and designed
//
// Taken from the vendor's swagger and help: the paths, field names,
// QueryModel, filter grammar and operators, PagingModel, the 500-record
// page, the {"item"} / {"itemId"} / {"queryCount"} shapes, PATCH and PUT
// semantics, the userDefinedFields shape, the entityInformation shapes, 500
// for a failed write, the 10,000 requests per rolling hour per database and
// the 3 threads per object endpoint and tracking identifier, and the
// ThresholdInformation shape; that a contact cannot move to another
// company; booleans in filters must be true or false.
//
// Reported by client authors, not by the vendor: zoneInformation for an
// unknown user answers {"errors":["Zone information could not be
// determined"]} (the sandbox uses status 500); a wrong secret is 401, an
// unknown user name or integration code 500.
//
// Designed here, unverified: the texts of all error messages; missing
// credentials → 401; the budget and the thread limit answering 429 with
// Retry-After and an errors body (the vendor documents errors and a
// temporary suspension, not their form; ThresholdInformation is neither
// counted nor limited); the form of nextPageUrl / prevPageUrl (the real
// ones also embed the search, but their cursor format is private);
// requestCount = the page size used; datetimes written as UTC with
// milliseconds; case-insensitive string comparisons (as SQL Server's
// default collation); which fields are required or read-only beyond the
// ones named in the product's help; the picklist ids (the companyType,
// ticket status and priority ids follow a new database's system values,
// queues and the rest are invented); webUrl and ci of the zone; the
// GET-only Resources entity; that a location's company cannot change
// (for contacts the product's help says so). Not modelled: DELETE, attachments, webhooks,
// impersonation, the usage-based latency added near the threshold.
//
// Seed fills it from an msp.Dataset; generator keys map to ids through
// IDForKey. Nothing in this package holds global mutable state.
package autotask
