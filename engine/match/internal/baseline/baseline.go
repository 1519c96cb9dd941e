// Package baseline is a straightforward Go hash-map implementation of the
// configuration matching rule, written only to check the DuckDB matcher
// against (same pairs) and to benchmark it (who is faster).
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
			serial: blank(c.Serial), mac: blank(NormalizeMAC(c.MAC))}
		r.ok = !c.OutOfScope && r.org != "" && (r.typ != "" || r.name != "")
		out[i] = r
	}
	// Sort by (created, id), unknown creation times last.
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
	return out
}

// Match pairs psa sources with doc targets. orgLinks maps a psa
// organization id to the linked doc organization id.
func Match(psa, doc []Config, orgLinks map[string]string) []Pair {
	src, tgt := prepare(psa, orgLinks), prepare(doc, nil)
	usedS, usedT := make([]bool, len(src)), make([]bool, len(tgt))
	var pairs []Pair
	phases := []func(r *rec) (string, bool){
		func(r *rec) (string, bool) {
			return r.org + "\x00" + r.typ + "\x00" + r.name + "\x00" + r.serial, r.serial != ""
		},
		func(r *rec) (string, bool) {
			return r.org + "\x00" + r.typ + "\x00" + r.name + "\x00" + r.mac, r.mac != ""
		},
		func(r *rec) (string, bool) { return r.org + "\x00" + r.typ + "\x00" + r.name, true },
	}
	for _, key := range phases {
		groups := make(map[string][]int)
		for i := range tgt {
			if usedT[i] || !tgt[i].ok {
				continue
			}
			if k, ok := key(&tgt[i]); ok {
				groups[k] = append(groups[k], i)
			}
		}
		for i := range src {
			if usedS[i] || !src[i].ok {
				continue
			}
			k, ok := key(&src[i])
			if !ok {
				continue
			}
			g := groups[k]
			if len(g) == 0 {
				continue
			}
			// The k-th source of the group takes the k-th target: sources
			// come in (created, id) order, targets were listed in it.
			t := g[0]
			groups[k] = g[1:]
			usedS[i], usedT[t] = true, true
			pairs = append(pairs, Pair{PSA: src[i].id, Doc: tgt[t].id})
		}
	}
	return pairs
}

// LinkOrgs matches organizations by exact name, the earliest created
// first (here: in the order given), each doc organization claimed once.
func LinkOrgs(psa, doc []Org) map[string]string {
	byName := make(map[string][]string, len(doc))
	for _, d := range doc {
		if d.Name != "" {
			byName[d.Name] = append(byName[d.Name], d.ID)
		}
	}
	out := make(map[string]string, len(psa))
	for _, p := range psa {
		if g := byName[p.Name]; len(g) > 0 {
			out[p.ID] = g[0]
			byName[p.Name] = g[1:]
		}
	}
	return out
}

// Org is one organization (id, name), in creation order.
type Org struct{ ID, Name string }
