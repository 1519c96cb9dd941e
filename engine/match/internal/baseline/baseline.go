// Package baseline is a straightforward Go hash-map implementation of the
// configuration matching rule, written only to check the DuckDB matcher
// against (same pairs, same decision rows, same unmatched records) and to
// benchmark it like for like (who is faster at producing the same rows).
//
// The rule: scoped by organization (the psa record's organization
// translated through the organization links; both must be set), keys
// configuration type and name, narrowed by serial number and then by MAC
// address (normalised: separators removed, upper case). Phases run in
// order; in each, within one key, the k-th remaining source by (created,
// id) takes the k-th remaining target. A blank type/name pair never
// matches; blank components equal each other; a narrowing phase needs a
// non-blank narrow value. Out-of-scope records never match.
package baseline

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Config is one configuration. "" means NULL.
type Config struct {
	ID, Org, Type, Name, Serial, MAC string
	Created                          time.Time // zero = unknown, sorts last
	OutOfScope                       bool
}

// Pair is one match.
type Pair struct{ PSA, Doc string }

// NormalizeMAC strips separators and upper-cases, like the "mac" normaliser.
func NormalizeMAC(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case ' ', ':', '.', '-':
		default:
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			b.WriteByte(c)
		}
	}
	return b.String()
}

func blank(s string) string {
	if strings.Trim(s, " ") == "" {
		return ""
	}
	return s
}

type rec struct {
	id                     string
	created                time.Time
	org, typ, name, serial string
	mac                    string
	ok                     bool // in scope with a linked organization and a non-blank type or name
	outOfScope             bool
}

func prepare(in []Config, orgs map[string]string) []rec {
	out := make([]rec, len(in))
	for i, c := range in {
		org := c.Org
		if orgs != nil {
			org = orgs[c.Org]
		}
		if strings.Trim(org, " ") == "" {
			org = ""
		}
		r := rec{id: c.ID, created: c.Created, org: org, typ: blank(c.Type), name: blank(c.Name),
			serial: blank(c.Serial), mac: blank(NormalizeMAC(c.MAC)), outOfScope: c.OutOfScope}
		r.ok = !c.OutOfScope && r.org != "" && (r.typ != "" || r.name != "")
		out[i] = r
	}
	sortRecs(out)
	return out
}

// sortRecs sorts by (created, id), unknown creation times last.
func sortRecs(out []rec) {
	slices.SortFunc(out, func(a, b rec) int {
		az, bz := a.created.IsZero(), b.created.IsZero()
		switch {
		case az && !bz:
			return 1
		case bz && !az:
			return -1
		}
		if c := a.created.Compare(b.created); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
}

// Phase is one matching phase: its name, the key text the decision
// reasons name, and the key of a record (false: not usable in this phase).
type Phase struct {
	Name, Keys string
	key        func(r *rec) (string, bool)
}

// Passed is one passed_over entry of a decision; ClaimedBy nil = unclaimed.
type Passed struct {
	ID        string  `json:"id"`
	ClaimedBy *string `json:"claimed_by"`
	How       string  `json:"how"`
}

// Decision is a match_decisions row: matched (a new pair) or lost (a
// source whose candidates were all claimed). Zero ints are NULL.
type Decision struct {
	Outcome                   string
	PSA, Doc                  string
	Phase                     string
	Rank, Candidates, Sources int
	PassedOver                []Passed
	Reason                    string
}

// Unmatched is an unmatched row: a record in no pair, with why.
type Unmatched struct {
	Side, ID, Reason string
}

// Result is what the DuckDB matcher writes for one object, pairs and
// analyst rows alike: links, match_decisions (matched and lost), unmatched.
type Result struct {
	Pairs     []Pair
	Decisions []Decision
	Unmatched []Unmatched
}

// configPhases are the configuration rule's phases: narrowed by serial
// number, by MAC, then the plain key.
var configPhases = []Phase{
	{Name: "name+serial_number", Keys: "organization, configuration_type, name, serial_number", key: func(r *rec) (string, bool) {
		return r.org + "\x00" + r.typ + "\x00" + r.name + "\x00" + r.serial, r.serial != ""
	}},
	{Name: "name+primary_mac", Keys: "organization, configuration_type, name, primary_mac", key: func(r *rec) (string, bool) {
		return r.org + "\x00" + r.typ + "\x00" + r.name + "\x00" + r.mac, r.mac != ""
	}},
	{Name: "name", Keys: "organization, configuration_type, name", key: func(r *rec) (string, bool) {
		return r.org + "\x00" + r.typ + "\x00" + r.name, true
	}},
}

// Match pairs psa sources with doc targets. orgLinks maps a psa
// organization id to the linked doc organization id.
func Match(psa, doc []Config, orgLinks map[string]string) []Pair {
	return MatchAll(psa, doc, orgLinks).Pairs
}

// MatchAll pairs configurations and writes the analyst rows the DuckDB
// matcher writes: a matched decision per pair (rank, candidates, sources,
// the nearest 10 candidates passed over), a lost decision per source
// whose candidates were all claimed, an unmatched row per record in no
// pair.
func MatchAll(psa, doc []Config, orgLinks map[string]string) Result {
	src, tgt := prepare(psa, orgLinks), prepare(doc, nil)
	return run(src, tgt, configPhases, configPhases[len(configPhases)-1])
}

// run runs the phases in order. In each, within one key, the k-th
// remaining source by (created, id) takes the k-th remaining target; the
// groups count only records whose key is on both sides. rule is the plain
// key, for the lost decisions.
func run(src, tgt []rec, phases []Phase, rule Phase) Result {
	usedS, usedT := make([]bool, len(src)), make([]bool, len(tgt))
	claimedBy := make([]int, len(tgt)) // source index + 1 of each target's pair
	claimHow := make([]string, len(tgt))
	var res Result
	for _, ph := range phases {
		groups := make(map[string][]int)
		for i := range tgt {
			if usedT[i] || !tgt[i].ok {
				continue
			}
			if k, ok := ph.key(&tgt[i]); ok {
				groups[k] = append(groups[k], i)
			}
		}
		srcGroups := make(map[string][]int)
		var order []string // keys in the order of their first source
		for i := range src {
			if usedS[i] || !src[i].ok {
				continue
			}
			k, ok := ph.key(&src[i])
			if !ok || len(groups[k]) == 0 {
				continue
			}
			if len(srcGroups[k]) == 0 {
				order = append(order, k)
			}
			srcGroups[k] = append(srcGroups[k], i)
		}
		for _, k := range order {
			ss, ts := srcGroups[k], groups[k]
			ns, nt := len(ss), len(ts)
			for r := 1; r <= min(ns, nt); r++ {
				si, ti := ss[r-1], ts[r-1]
				usedS[si], usedT[ti] = true, true
				claimedBy[ti], claimHow[ti] = si+1, ph.Name
				res.Pairs = append(res.Pairs, Pair{PSA: src[si].id, Doc: tgt[ti].id})
				d := Decision{Outcome: "matched", PSA: src[si].id, Doc: tgt[ti].id, Phase: ph.Name, Rank: r, Candidates: nt, Sources: ns}
				if r > 1 && ns > 1 && nt > 1 {
					for q := max(1, r-10); q < r; q++ {
						by := src[ss[q-1]].id
						d.PassedOver = append(d.PassedOver, Passed{ID: tgt[ts[q-1]].id, ClaimedBy: &by, How: "earlier created source"})
					}
				}
				if ns > 1 || nt > 1 {
					d.Reason = fmt.Sprintf("source %d of %d with the same %s (by created, id) took candidate %d of %d", r, ns, ph.Keys, r, nt)
				}
				res.Decisions = append(res.Decisions, d)
			}
		}
	}
	// Lost: a source in no pair whose plain key some in-scope target
	// shares (claimed or not), with the first 10 of them.
	byKey := make(map[string][]int)
	for i := range tgt {
		if !tgt[i].ok {
			continue
		}
		if k, ok := rule.key(&tgt[i]); ok {
			byKey[k] = append(byKey[k], i)
		}
	}
	for i := range src {
		if usedS[i] {
			continue
		}
		res.Unmatched = append(res.Unmatched, Unmatched{Side: "psa", ID: src[i].id, Reason: src[i].why()})
		if !src[i].ok {
			continue
		}
		k, _ := rule.key(&src[i])
		g := byKey[k]
		if len(g) == 0 {
			continue
		}
		d := Decision{Outcome: "lost", PSA: src[i].id, Phase: rule.Name, Candidates: len(g)}
		for _, t := range g[:min(10, len(g))] {
			p := Passed{ID: tgt[t].id, How: "unclaimed"}
			if c := claimedBy[t]; c > 0 {
				by := src[c-1].id
				p.ClaimedBy, p.How = &by, claimHow[t]
			}
			d.PassedOver = append(d.PassedOver, p)
		}
		d.Reason = fmt.Sprintf("all %d candidates with the same %s were claimed (see passed_over)", len(g), rule.Keys)
		res.Decisions = append(res.Decisions, d)
	}
	for i := range tgt {
		if !usedT[i] {
			res.Unmatched = append(res.Unmatched, Unmatched{Side: "doc", ID: tgt[i].id, Reason: tgt[i].why()})
		}
	}
	return res
}

// why is the unmatched reason of a record in no pair (shorter than the
// DuckDB matcher's text, which names counts and rules).
func (r *rec) why() string {
	switch {
	case r.outOfScope:
		return "out of scope"
	case !r.ok:
		return "no usable key"
	}
	return "no record with the same key, or its candidates were claimed"
}

// LinkOrgs matches organizations by exact name, the earliest created
// first (here: in the order given), each doc organization claimed once.
func LinkOrgs(psa, doc []Org) map[string]string {
	out := make(map[string]string, len(psa))
	for _, p := range MatchOrgs(psa, doc).Pairs {
		out[p.PSA] = p.Doc
	}
	return out
}

// MatchOrgs matches organizations by name, the earliest created first,
// with the analyst rows (see MatchAll).
func MatchOrgs(psa, doc []Org) Result {
	conv := func(in []Org) []rec {
		out := make([]rec, len(in))
		for i, o := range in {
			out[i] = rec{id: o.ID, created: o.Created, name: blank(o.Name)}
			out[i].ok = out[i].name != ""
		}
		sortRecs(out)
		return out
	}
	name := Phase{Name: "name", Keys: "name", key: func(r *rec) (string, bool) { return r.name, true }}
	return run(conv(psa), conv(doc), []Phase{name}, name)
}

// Org is one organization.
type Org struct {
	ID, Name string
	Created  time.Time // zero = unknown, sorts last
}
