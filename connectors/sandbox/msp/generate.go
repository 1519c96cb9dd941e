package msp

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// DefaultNow is the reference "now" when Options.Now is zero.
var defaultNow = time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)

// withDefaults fills zero fields. Negative counts (and a negative
// DocOverlap) mean "none".
func (o Options) withDefaults() Options {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
		if *v < 0 {
			*v = 0
		}
	}
	def(&o.Companies, 200)
	def(&o.ConfigsPerCo, 25)
	def(&o.ContactsPerCo, 6)
	def(&o.SitesPerCo, 2)
	def(&o.TicketsPerCo, 5)
	if o.DocOverlap == 0 {
		o.DocOverlap = 0.3
	}
	if o.DocOverlap < 0 {
		o.DocOverlap = 0
	}
	if o.DocOverlap > 1 {
		o.DocOverlap = 1
	}
	if o.Now.IsZero() {
		o.Now = defaultNow
	}
	o.Now = o.Now.UTC().Truncate(time.Second)
	return o
}

// Generate builds a Dataset. The same Options always give the same
// Dataset, down to the byte of its JSON encoding. Zero fields of opts take
// their defaults (see Options); negative counts mean none. Edge cases (see
// Dataset.EdgeCases and edgecases.go) are all present when Companies >= 8.
func Generate(opts Options) *Dataset {
	opts = opts.withDefaults()
	g := &gen{
		rng:     rand.New(rand.NewPCG(uint64(opts.Seed), 0x6d73702d67656e)),
		opts:    opts,
		now:     opts.Now,
		names:   map[string]bool{},
		idents:  map[string]bool{},
		domains: map[string]bool{},
	}
	g.ref = reference()
	d := &Dataset{Options: opts, Ref: g.ref}
	counts := g.allocate(opts.Companies*opts.ConfigsPerCo, opts.Companies)
	for i := 1; i <= opts.Companies; i++ {
		d.PSA.Companies = append(d.PSA.Companies, g.company(i, counts[i-1]))
	}
	g.placeEdgeCases(d)
	g.docSide(d)
	return d
}

// gen carries the random source and the uniqueness sets of one run.
type gen struct {
	rng       *rand.Rand
	opts      Options
	ref       Reference
	now       time.Time
	names     map[string]bool // company names in use (both sides)
	idents    map[string]bool
	domains   map[string]bool
	ticketSeq int
}

func (g *gen) intn(n int) int {
	if n <= 0 {
		return 0
	}
	return g.rng.IntN(n)
}

func (g *gen) chance(p float64) bool { return g.rng.Float64() < p }

func pick[T any](g *gen, xs []T) T { return xs[g.intn(len(xs))] }

// vary returns a count around avg: uniform in [avg/2, avg*3/2].
func (g *gen) vary(avg int) int {
	if avg <= 0 {
		return 0
	}
	lo := avg / 2
	return lo + g.intn(avg-lo+avg/2+1)
}

// between returns a time uniformly in [a, b), truncated to seconds.
func (g *gen) between(a, b time.Time) time.Time {
	if !b.After(a) {
		return a.Truncate(time.Second)
	}
	return a.Add(time.Duration(g.rng.Int64N(int64(b.Sub(a))))).Truncate(time.Second)
}

func (g *gen) daysAgo(lo, hi int) time.Time {
	return g.between(g.now.AddDate(0, 0, -hi), g.now.AddDate(0, 0, -lo))
}

// allocate splits total into n counts that vary between companies
// (factor 0.4 to 1.6 of the mean) and add up to exactly total.
func (g *gen) allocate(total, n int) []int {
	out := make([]int, n)
	if n == 0 || total == 0 {
		return out
	}
	w := make([]float64, n)
	sum := 0.0
	for i := range w {
		w[i] = 0.4 + 1.2*g.rng.Float64()
		sum += w[i]
	}
	given := 0
	for i := range w {
		out[i] = int(float64(total) * w[i] / sum)
		given += out[i]
	}
	for i := 0; given < total; i = (i + 1) % n {
		out[i]++
		given++
	}
	return out
}

// pattern fills a serial-number pattern: A letter, 9 digit, X letter or
// digit, H hex digit; other runes are literal.
func (g *gen) pattern(p string) string {
	const letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
	const digits = "0123456789"
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for _, r := range p {
		switch r {
		case 'A':
			b.WriteByte(letters[g.intn(len(letters))])
		case '9':
			b.WriteByte(digits[g.intn(len(digits))])
		case 'X':
			s := letters + digits
			b.WriteByte(s[g.intn(len(s))])
		case 'H':
			b.WriteByte(hex[g.intn(len(hex))])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// mac returns a MAC address with the given OUI, upper case, colon-separated.
func (g *gen) mac(oui string) string {
	return fmt.Sprintf("%s:%02X:%02X:%02X", oui, g.intn(256), g.intn(256), g.intn(256))
}

// companyName returns a unique company name.
func (g *gen) companyName() string {
	for attempt := 0; ; attempt++ {
		name := pick(g, namePrefixes) + " " + pick(g, nameIndustries)
		if s := pick(g, nameSuffixes); s != "" {
			name += " " + s
		}
		if attempt > 50 {
			name += fmt.Sprintf(" %d", attempt)
		}
		base := strings.ToLower(strings.TrimSuffix(strings.TrimSuffix(name, "."), ","))
		// names that only differ by suffix are too close for real data
		base = trimSuffixWord(base)
		if !g.names[base] {
			g.names[base] = true
			return name
		}
	}
}

func trimSuffixWord(s string) string {
	for _, suf := range nameSuffixes {
		if suf != "" {
			s = strings.TrimSuffix(s, " "+strings.ToLower(strings.TrimSuffix(suf, ".")))
		}
	}
	return s
}

// words splits a company name into alphanumeric words ("&" dropped).
func words(name string) []string {
	f := strings.FieldsFunc(name, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	})
	var out []string
	for _, w := range f {
		switch w {
		case "LLC", "Inc", "Ltd", "Co", "PLLC", "LLP", "Corp":
			continue
		}
		out = append(out, w)
	}
	return out
}

// identifier is the PSA company id: CamelCase words, at most 25 chars, unique.
func (g *gen) identifier(name string) string {
	base := strings.Join(words(name), "")
	if len(base) > 22 {
		base = base[:22]
	}
	id := base
	for n := 2; g.idents[strings.ToLower(id)]; n++ {
		id = fmt.Sprintf("%s%d", base, n)
	}
	g.idents[strings.ToLower(id)] = true
	return id
}

// code is the device-name prefix: the initials, 2 to 4 letters.
func code(name string) string {
	var b strings.Builder
	for _, w := range words(name) {
		b.WriteByte(w[0])
		if b.Len() == 4 {
			break
		}
	}
	c := strings.ToUpper(b.String())
	if len(c) < 2 {
		c = strings.ToUpper(strings.Join(words(name), ""))
		if len(c) > 3 {
			c = c[:3]
		}
	}
	return c
}

// domain is a unique e-mail/web domain for the company.
func (g *gen) domain(name, country string) string {
	ws := words(name)
	if len(ws) > 2 {
		ws = ws[:2]
	}
	base := strings.ToLower(strings.Join(ws, ""))
	tld := ".com"
	switch country {
	case "Canada":
		tld = ".ca"
	case "United Kingdom":
		tld = ".co.uk"
	}
	d := base + tld
	for n := 2; g.domains[d]; n++ {
		d = fmt.Sprintf("%s%d%s", base, n, tld)
	}
	g.domains[d] = true
	return d
}

// home picks the company's home city: 80% US, 12% Canada, 8% UK.
func (g *gen) home() city {
	switch u := g.rng.Float64(); {
	case u < 0.80:
		return pick(g, usCities)
	case u < 0.92:
		return pick(g, caCities)
	default:
		return pick(g, ukCities)
	}
}

func citiesOf(country string) []city {
	switch country {
	case "Canada":
		return caCities
	case "United Kingdom":
		return ukCities
	}
	return usCities
}

func (g *gen) phone(c city) string {
	if c.Country == "United Kingdom" {
		return fmt.Sprintf("%s %03d %04d", c.Area, 200+g.intn(800), g.intn(10000))
	}
	return fmt.Sprintf("(%s) %d%02d-%04d", c.Area, 2+g.intn(8), g.intn(100), g.intn(10000))
}

func (g *gen) zip(c city) string {
	const letters = "ABCEGHJKLMNPRSTVXY"
	switch c.Country {
	case "Canada":
		return fmt.Sprintf("%s %d%c%d", c.Zip, g.intn(10), letters[g.intn(len(letters))], g.intn(10))
	case "United Kingdom":
		return fmt.Sprintf("%s %d%c%c", c.Zip, g.intn(10), letters[g.intn(len(letters))], letters[g.intn(len(letters))])
	}
	return fmt.Sprintf("%s%02d", c.Zip, g.intn(100))
}

func (g *gen) street(c city) string {
	if c.Country == "United Kingdom" {
		return fmt.Sprintf("%d %s %s", 1+g.intn(180), pick(g, streetNames), pick(g, ukStreetTypes))
	}
	return fmt.Sprintf("%d %s %s", 100+g.intn(9800), pick(g, streetNames), pick(g, usStreetTypes))
}

func (g *gen) address2(c city) string {
	if !g.chance(0.4) {
		return ""
	}
	if c.Country == "United Kingdom" {
		return fmt.Sprintf("Unit %d", 1+g.intn(20))
	}
	switch g.intn(3) {
	case 0:
		return fmt.Sprintf("Suite %d", 100*(1+g.intn(6))+g.intn(20))
	case 1:
		return fmt.Sprintf("Floor %d", 2+g.intn(12))
	}
	return fmt.Sprintf("Unit %d", 1+g.intn(30))
}
