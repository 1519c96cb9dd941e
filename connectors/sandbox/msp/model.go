// Package msp generates a realistic, deterministic managed-service-provider
// data set for the sandboxes: companies with sites, contacts, configurations
// and tickets, plus the reference data (types, statuses, manufacturers, ...).
//
// A Dataset has two sides: what the PSA holds and what the documentation
// system already holds before the first sync. The model is neutral: each
// sandbox renders it in its own wire format. Keys are generator-stable
// identifiers ("c0042", "c0042-cfg-007"); the sandboxes assign their own ids.
package msp

import "time"

// Options control generation. The same Options always give the same Dataset.
type Options struct {
	Seed          int64
	Companies     int       // default 200
	ConfigsPerCo  int       // average configurations per company, default 25
	ContactsPerCo int       // average, default 6
	SitesPerCo    int       // average, default 2
	TicketsPerCo  int       // average, default 5
	DocOverlap    float64   // share of PSA companies that already exist in the doc system, default 0.3
	Now           time.Time // reference "now" for dates; zero = 2026-01-15T12:00:00Z
}

// Dataset is one generated world: the shared vocabulary, the PSA's records
// and the documentation system's records before the first sync.
type Dataset struct {
	Options Options
	Ref     Reference
	PSA     Side // records in the PSA
	Doc     Side // records already in the documentation system before the first sync
	// EdgeCases lists the records placed on purpose to exercise one sync
	// rule each (see edgecases.go for the names).
	EdgeCases []EdgeCase
}

// EdgeCase names the records the generator placed for one rule.
type EdgeCase struct {
	Name string   // e.g. "config-duplicate-name-type"
	Side string   // "psa" or "doc"
	Keys []string // record keys on that side
	Note string   // what the records have in common and how they differ
}

// Reference is the shared vocabulary of both systems.
type Reference struct {
	CompanyTypes          []string // e.g. Customer, Prospect, Vendor, Partner
	CompanyStatuses       []string // Active, Inactive, Not Approved
	ConfigurationTypes    []string // Managed Server, Managed Workstation, Firewall, ...
	ConfigurationStatuses []string // Active, Inactive, Retired, ...
	ContactTypes          []string
	Manufacturers         []Manufacturer
	OperatingSystems      []string
	Countries             []Country
	Boards                []Board
	Priorities            []string
	Sources               []string
	Members               []Member // technicians (configuration installedBy, ticket notes)
	// Synced* are the values a default sync setting enables; others exist
	// so scope filtering has something to leave out.
	SyncedCompanyTypes          []string
	SyncedCompanyStatuses       []string
	SyncedConfigurationTypes    []string
	SyncedConfigurationStatuses []string
}

// Member is a technician of the MSP.
type Member struct {
	Identifier string // login, e.g. "jwalker"
	Name       string
}

// Manufacturer is a hardware vendor and its models.
type Manufacturer struct {
	Name   string
	Models []string
}

// Country is a country with the regions (states, provinces, counties)
// its addresses use.
type Country struct {
	Name    string
	Code    string // ISO 3166-1 alpha-2
	Regions []string
}

// Board is a service board with its ticket statuses, types, subtypes and items.
type Board struct {
	Name     string
	Statuses []string
	Types    []string
	Subtypes []string
	Items    []string
}

// Side is the records one system holds.
type Side struct {
	Companies []Company
}

// Company is a client of the MSP (an organization in the documentation
// system) with its sites, contacts, configurations and tickets.
type Company struct {
	Key        string // stable across both sides for the same real-world company
	Identifier string // short name / company id (e.g. "AcmeCorp")
	Name       string
	Type       string
	Status     string
	ParentKey  string // "" or the Key of the parent company
	Phone      string
	Fax        string
	Website    string
	Created    time.Time
	Updated    time.Time
	Sites      []Site
	Contacts   []Contact
	Configs    []Configuration
	Tickets    []Ticket
}

// Site is a company address (a location in the documentation system).
type Site struct {
	Key      string
	Name     string
	Address1 string
	Address2 string
	City     string
	State    string
	Zip      string
	Country  string // country name
	Phone    string
	Fax      string
	Primary  bool
	Created  time.Time
	Updated  time.Time
}

// Contact is a person at a company.
type Contact struct {
	Key       string
	FirstName string
	LastName  string
	Title     string
	Type      string
	SiteKey   string
	Emails    []ContactItem
	Phones    []ContactItem
	Inactive  bool
	Created   time.Time
	Updated   time.Time
}

// ContactItem is an e-mail address or a phone/fax number.
type ContactItem struct {
	Value     string
	Type      string // Work, Mobile, Home, Fax, Direct
	Extension string
	Primary   bool
}

// Configuration is a managed device or other configuration item.
type Configuration struct {
	Key            string
	Name           string
	Type           string
	Status         string
	SerialNumber   string
	AssetTag       string
	MACAddress     string // may hold several MACs in one string (an RMM artefact)
	IPAddress      string
	DefaultGateway string
	Manufacturer   string
	Model          string
	OSType         string
	Hostname       string
	SiteKey        string
	ContactKey     string
	InstalledBy    string
	InstalledAt    time.Time // zero = unset
	PurchasedAt    time.Time
	WarrantyExpiry time.Time
	Notes          string
	Created        time.Time
	Updated        time.Time
}

// Ticket is a service ticket (PSA side only).
type Ticket struct {
	Key        string
	Number     string // ticket number as displayed
	Summary    string
	Board      string
	Status     string
	Priority   string
	Type       string
	Source     string
	ContactKey string
	ConfigKeys []string
	Created    time.Time
	Updated    time.Time
	Closed     bool
	Notes      []TicketNote
}

// TicketNote is one note on a ticket.
type TicketNote struct {
	Text       string
	Member     string // Member.Identifier of the author; "" = the contact wrote it
	Internal   bool   // internal analysis rather than a discussion note
	Resolution bool
	Created    time.Time
}
