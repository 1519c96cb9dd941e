// Package synth generates a deterministic configuration data set of any
// size, the same in Go (for the Appender path and the Go baseline) and in
// SQL (for loading straight into DuckDB). Every value is integer
// arithmetic on the record index, so the two generators agree exactly;
// synth_test.go checks that.
//
// The data has what matching must get right: duplicate names within a
// company (some told apart by serial number, some by MAC address written
// differently on each side, some only by creation order), the same names
// in other companies, companies that are not linked, records on one side
// only, serial numbers that disagree, out-of-scope records and creation
// time ties broken by id.
package synth

import (
	"fmt"
	"strconv"
	"time"
)

// Epoch is the creation time of the oldest record.
var Epoch = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// Types are the configuration types used.
var Types = []string{"Server", "Workstation", "Firewall", "Switch"}

// ScopeReason marks out-of-scope psa records.
const ScopeReason = "status Retired is not synced"

// Record is one configuration. "" means NULL.
type Record struct {
	ID          string
	Created     time.Time
	Org         string // the system's own organization id
	Type        string
	Name        string
	Serial      string
	MAC         string
	ScopeReason string
}

// Org is one organization of one side.
type Org struct {
	ID   string
	Name string
}

// Companies is the number of companies for n configurations per side.
func Companies(n int) int { return max(1, n/40) }

// PSAOrg and DocOrg are company c on each side. Every 50th company has a
// different name in the doc system, so it is not linked and its
// configurations cannot match.
func PSAOrg(c int) Org { return Org{ID: "pc" + strconv.Itoa(c), Name: "Company " + strconv.Itoa(c)} }

func DocOrg(c int) Org {
	o := Org{ID: "dc" + strconv.Itoa(c), Name: "Company " + strconv.Itoa(c)}
	if c%50 == 49 {
		o.Name = "Other " + strconv.Itoa(c)
	}
	return o
}

func mac(i int, lowerDash bool) string {
	x := (int64(i) * 2654435761) % (1 << 48)
	b := [6]int64{}
	for k := range 6 {
		b[k] = (x >> (8 * (5 - k))) & 255
	}
	if lowerDash {
		return fmt.Sprintf("%02x-%02x-%02x-%02x-%02x-%02x", b[0], b[1], b[2], b[3], b[4], b[5])
	}
	return fmt.Sprintf("%02X:%02X:%02X:%02X:%02X:%02X", b[0], b[1], b[2], b[3], b[4], b[5])
}

func psaName(i, n int) string {
	id := i
	if i%10 < 4 {
		id = i / 2
	}
	return "host-" + strconv.Itoa(id%(n/5+1))
}

func psaSerial(i int) string {
	if i%3 == 0 {
		return ""
	}
	return "SN" + strconv.Itoa(i)
}

func psaMAC(i int) string {
	if i%5 == 0 {
		return ""
	}
	return mac(i, false)
}

// PSA is psa configuration i of n.
func PSA(i, n int) Record {
	r := Record{
		ID:      "p" + strconv.Itoa(i),
		Created: Epoch.Add(time.Duration((int64(i)*7919)%int64(n/2+1)) * time.Second),
		Org:     "pc" + strconv.Itoa((i/8)%Companies(n)),
		Type:    Types[(i/3)%4],
		Name:    psaName(i, n),
		Serial:  psaSerial(i),
		MAC:     psaMAC(i),
	}
	if i%97 == 0 {
		r.ScopeReason = ScopeReason
	}
	return r
}

// Doc is doc configuration j of n: mostly psa configuration j as the doc
// system knows it, with differences.
func Doc(j, n int) Record {
	r := Record{
		ID:      "d" + strconv.Itoa(j),
		Created: Epoch.Add(time.Duration((int64(j)*104729)%int64(n/2+1)) * time.Second),
		Org:     "dc" + strconv.Itoa((j/8)%Companies(n)),
		Type:    Types[(j/3)%4],
		Name:    psaName(j, n),
		Serial:  psaSerial(j),
	}
	if j%10 == 9 {
		r.Name = "doc-" + strconv.Itoa(j)
	}
	if j%7 == 0 {
		r.Serial = "SNX" + strconv.Itoa(j)
	}
	if j%11 != 0 && j%5 != 0 {
		r.MAC = mac(j, j%2 == 1)
	}
	return r
}

const macSQL = `printf('%02X:%02X:%02X:%02X:%02X:%02X', (x >> 40) & 255, (x >> 32) & 255, (x >> 24) & 255, (x >> 16) & 255, (x >> 8) & 255, x & 255)`
const macLowerSQL = `printf('%02x-%02x-%02x-%02x-%02x-%02x', (x >> 40) & 255, (x >> 32) & 255, (x >> 24) & 255, (x >> 16) & 255, (x >> 8) & 255, x & 255)`

// PSASQL is a query giving the psa configurations with the staging column
// names (_id, _created, organization, configuration_type, name,
// serial_number, primary_mac, _scope_reason).
func PSASQL(n int) string {
	return fmt.Sprintf(`SELECT 'p' || i AS _id,
	TIMESTAMP '2020-01-01 00:00:00' + to_seconds((i * 7919) %% %[2]d) AS _created,
	'pc' || ((i // 8) %% %[3]d) AS organization,
	['Server', 'Workstation', 'Firewall', 'Switch'][((i // 3) %% 4) + 1] AS configuration_type,
	'host-' || ((CASE WHEN i %% 10 < 4 THEN i // 2 ELSE i END) %% %[4]d) AS name,
	CASE WHEN i %% 3 = 0 THEN NULL ELSE 'SN' || i END AS serial_number,
	CASE WHEN i %% 5 = 0 THEN NULL ELSE %[5]s END AS primary_mac,
	CASE WHEN i %% 97 = 0 THEN '%[6]s' END AS _scope_reason
FROM (SELECT i, (i * 2654435761) %% 281474976710656 AS x FROM range(%[1]d) r(i))`,
		n, n/2+1, Companies(n), n/5+1, macSQL, ScopeReason)
}

// DocSQL is the doc side of PSASQL.
func DocSQL(n int) string {
	return fmt.Sprintf(`SELECT 'd' || i AS _id,
	TIMESTAMP '2020-01-01 00:00:00' + to_seconds((i * 104729) %% %[2]d) AS _created,
	'dc' || ((i // 8) %% %[3]d) AS organization,
	['Server', 'Workstation', 'Firewall', 'Switch'][((i // 3) %% 4) + 1] AS configuration_type,
	CASE WHEN i %% 10 = 9 THEN 'doc-' || i ELSE 'host-' || ((CASE WHEN i %% 10 < 4 THEN i // 2 ELSE i END) %% %[4]d) END AS name,
	CASE WHEN i %% 7 = 0 THEN 'SNX' || i WHEN i %% 3 = 0 THEN NULL ELSE 'SN' || i END AS serial_number,
	CASE WHEN i %% 11 = 0 OR i %% 5 = 0 THEN NULL WHEN i %% 2 = 1 THEN %[5]s ELSE %[6]s END AS primary_mac,
	NULL::VARCHAR AS _scope_reason
FROM (SELECT i, (i * 2654435761) %% 281474976710656 AS x FROM range(%[1]d) r(i))`,
		n, n/2+1, Companies(n), n/5+1, macLowerSQL, macSQL)
}

// OrgSQL gives the organizations of one side ("psa" or "doc") with the
// staging column names (_id, _created, name).
func OrgSQL(side string, n int) string {
	name := `'Company ' || c`
	if side == "doc" {
		name = `CASE WHEN c % 50 = 49 THEN 'Other ' || c ELSE 'Company ' || c END`
	}
	prefix := "pc"
	if side == "doc" {
		prefix = "dc"
	}
	return fmt.Sprintf(`SELECT '%s' || c AS _id, TIMESTAMP '2020-01-01 00:00:00' + to_seconds(c) AS _created, %s AS name FROM range(%d) r(c)`,
		prefix, name, Companies(n))
}
