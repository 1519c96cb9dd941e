// Package connectsecure is an in-memory sandbox of a vulnerability
// scanner's REST API (ConnectSecure): companies, their assets and an event
// feed, behind a client-credentials token login.
//
// The real API was not reachable when this was written, so the whole wire
// protocol is DESIGNED, conventional REST and not verified against a live
// tenant:
//
//   - POST {Base}/oauth/token, form-encoded client_id, client_secret and
//     grant_type=client_credentials → {access_token, token_type "Bearer",
//     expires_in}. Tokens live Options.TokenLifetime (default an hour).
//     Every other route needs "Authorization: Bearer <token>"; a missing,
//     unknown or expired token gets 401 {"error","error_description"}.
//   - GET {Base}/companies, /assets, /events: lists answering
//     {"data":[...], "total":n, "skip":s, "limit":l}; skip/limit paging
//     (limit default 50, at most 500); updated_after (RFC 3339) keeps the
//     records changed strictly after it; company_id (assets, events),
//     category and status (events; status also on assets) filter. Records
//     come in id order.
//   - GET {Base}/companies/{id}, /assets/{id}, /events/{id}.
//   - POST {Base}/companies with {"name", "description"} creates a company
//     (import from a PSA company) and answers 201 with the record.
//   - Rate limit: Options.RateLimit requests per Options.RateWindow per
//     client (default 600 a minute; negative turns it off) → 429 with
//     Retry-After; the core fault layer comes on top.
//
// Events are what the scanner found on an asset (category one of
// Categories, with the fields their group-by options need: os, product,
// fix, event_name, user). They open with status "open" and are resolved
// later: tests play the scanner with ResolveEvents, AddEvents and
// SetAssetStatus.
//
// Seed renders an msp.Dataset: about two thirds of the PSA companies exist
// in the scanner (a few under a different name), their active
// configurations (and a few inactive ones) become assets, and each seeded
// company gets events over several categories, some already resolved.
package connectsecure
