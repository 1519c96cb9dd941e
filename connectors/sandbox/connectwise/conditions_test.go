package connectwise

import (
	"encoding/json"
	"strings"
	"testing"
)

// condRecord is the record the table below evaluates against.
const condRecord = `{
  "id": 42,
  "name": "HDG-DC01",
  "serialNumber": null,
  "activeFlag": true,
  "macAddress": "00:1A:2B:3C:4D:5E, 00:1A:2B:3C:4D:5F",
  "company": {"id": 7, "identifier": "HarborDental", "name": "Harbor Dental Group"},
  "type": {"id": 1, "name": "Managed Server"},
  "types": [{"id": 1, "name": "Customer"}, {"id": 3, "name": "Partner"}],
  "notes": "Rack 1, U14 \"top\"",
  "cost": 12.5,
  "communicationItems": [
    {"value": "dana@harbordental.com", "communicationType": "Email"},
    {"value": "(206) 555-0100", "communicationType": "Phone"}
  ],
  "_info": {"lastUpdated": "2026-01-15T12:00:00Z", "dateEntered": "2025-03-01T08:30:00Z"}
}`

func TestConditions(t *testing.T) {
	var rec map[string]any
	dec := json.NewDecoder(strings.NewReader(condRecord))
	dec.UseNumber()
	if err := dec.Decode(&rec); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		cond    string
		want    bool
		wantErr string // substring of the error; "" = parses
	}{
		{cond: `id = 42`, want: true},
		{cond: `id != 42`, want: false},
		{cond: `id > 41 and id < 43`, want: true},
		{cond: `id >= 42 AND id <= 42`, want: true},
		{cond: `id in (1,2,42)`, want: true},
		{cond: `id not in (1, 2, 3)`, want: true},
		{cond: `id IN (1,2,3)`, want: false},
		{cond: `name = "hdg-dc01"`, want: true}, // case-insensitive
		{cond: `name = 'HDG-DC01'`, want: true},
		{cond: `name like "HDG-*"`, want: true},
		{cond: `name like "%DC0_"`, want: false},
		{cond: `name like "%dc%"`, want: true},
		{cond: `name not like "HDG*"`, want: false},
		{cond: `name contains "DC"`, want: true},
		{cond: `name not contains "WS"`, want: true},
		{cond: `company/id = 7`, want: true},
		{cond: `company/identifier = "HarborDental" and type/name = "Managed Server"`, want: true},
		{cond: `types/name = "Partner"`, want: true}, // any element of an array
		{cond: `types/name = "Vendor"`, want: false},
		{cond: `activeFlag = true`, want: true},
		{cond: `activeFlag = false`, want: false},
		{cond: `serialNumber = null`, want: true},
		{cond: `serialNumber != null`, want: false},
		{cond: `missingField = null`, want: true},
		{cond: `serialNumber = "x"`, want: false},
		{cond: `serialNumber != "x"`, want: false}, // SQL NULL rules
		{cond: `_info/lastUpdated > [2026-01-01T00:00:00Z]`, want: true},
		{cond: `_info/lastUpdated < [2026-01-01T00:00:00Z]`, want: false},
		{cond: `_info/dateEntered >= [2025-03-01]`, want: true},
		{cond: `cost < 13 and cost > 12.4`, want: true},
		{cond: `cost = -1`, want: false},
		{cond: `notes = "Rack 1, U14 \"top\""`, want: true},
		{cond: `macAddress contains "4D:5F"`, want: true},
		{cond: `(id = 1 or id = 42) and name like "HDG*"`, want: true},
		{cond: `id = 1 or id = 2 and id = 42`, want: false}, // and binds tighter
		{cond: `(id = 1 or id = 2) or not (id = 3)`, want: true},
		{cond: `not id = 42`, want: false},
		{cond: `NOT (name = "x" Or name = "y")`, want: true},
		{cond: ` id=42 `, want: true},

		{cond: ``, wantErr: "at position 1: empty expression"},
		{cond: `id = `, wantErr: "at position 6: expected a value after =, found end of input"},
		{cond: `id == 1`, wantErr: "at position 5: expected a value after =, found \"=\""},
		{cond: `name = HDG`, wantErr: "at position 8: expected a value after =, found the bare word \"HDG\": string values must be quoted"},
		{cond: `name = "HDG`, wantErr: "at position 8: unterminated string"},
		{cond: `(id = 1`, wantErr: "at position 8: expected ')' to close the '(' at position 1, found end of input"},
		{cond: `id = 1)`, wantErr: "at position 7: unexpected \")\" after a complete expression"},
		{cond: `id = 1 id = 2`, wantErr: "at position 8: unexpected \"id\" after a complete expression; join conditions with 'and' or 'or'"},
		{cond: `id 1`, wantErr: "at position 4: expected an operator"},
		{cond: `id in 1`, wantErr: "at position 7: expected '(' after 'in'"},
		{cond: `id in (1 2)`, wantErr: "at position 10: expected ',' or ')' in the 'in' list"},
		{cond: `name not = "x"`, wantErr: "expected like, contains or in after 'not'"},
		{cond: `lastUpdated > [yesterday]`, wantErr: "at position 15: malformed date [yesterday]"},
		{cond: `lastUpdated > [2026-01-01`, wantErr: "unterminated date"},
		{cond: `name like 5`, wantErr: "like needs a quoted string, found the number 5"},
		{cond: `id < null`, wantErr: "null can only be compared with = or !="},
		{cond: `id = 1 and`, wantErr: "at position 11: expected a condition"},
		{cond: `id ! 1`, wantErr: "'!' must be followed by '='"},
		{cond: `id = 12ab`, wantErr: "malformed number"},
		{cond: `id = 1.2.3`, wantErr: "malformed number \"1.2.3\""},
		{cond: `company/ = 1`, wantErr: "malformed field path"},
		{cond: `= 1`, wantErr: "at position 1: expected a field name"},
		{cond: `id = 1 # x`, wantErr: "at position 8: unexpected character '#'"},
		{cond: strings.Repeat("(", 200) + "id = 1" + strings.Repeat(")", 200), wantErr: "nested deeper than 100"},
	}
	for _, tc := range tests {
		t.Run(tc.cond, func(t *testing.T) {
			c, err := ParseConditions(tc.cond)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParseConditions(%q) error = %v, want containing %q", tc.cond, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseConditions(%q): %v", tc.cond, err)
			}
			if got := c.Match(rec); got != tc.want {
				t.Errorf("Match(%q) = %v, want %v", tc.cond, got, tc.want)
			}
		})
	}
}

func TestChildConditions(t *testing.T) {
	var rec map[string]any
	if err := json.Unmarshal([]byte(condRecord), &rec); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		cond string
		want bool
	}{
		{`communicationItems/value like "dana@*" AND communicationItems/communicationType = "Email"`, true},
		// Both parts must hold for the same element.
		{`communicationItems/value like "(206)*" AND communicationItems/communicationType = "Email"`, false},
		{`communicationItems/communicationType = "Fax"`, false},
	}
	for _, tc := range tests {
		c, err := ParseConditions(tc.cond)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.MatchChild(rec); got != tc.want {
			t.Errorf("MatchChild(%q) = %v, want %v", tc.cond, got, tc.want)
		}
	}
}

func TestLikeMatch(t *testing.T) {
	tests := []struct {
		pat, s string
		want   bool
	}{
		{"abc", "abc", true}, {"a*", "abc", true}, {"*c", "abc", true}, {"a%c", "abc", true},
		{"*b*", "abc", true}, {"a*d", "abc", false}, {"", "", true}, {"*", "", true},
		{"a**c", "ac", true}, {"ab", "abc", false}, {"%x%y%", "axbyc", true},
	}
	for _, tc := range tests {
		if got := likeMatch(tc.pat, tc.s); got != tc.want {
			t.Errorf("likeMatch(%q, %q) = %v", tc.pat, tc.s, got)
		}
	}
}

func FuzzConditions(f *testing.F) {
	for _, s := range []string{
		`id = 1`, `name like "a*" and (id in (1,2) or not x = null)`, `_info/lastUpdated > [2026-01-01T00:00:00Z]`,
		`a != 'x''y'`, `id not in (1)`, `((((`, `"`, `[`, `a/b/c contains "\"\\"`, `x = -1.5`, `not not a = true`,
	} {
		f.Add(s)
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(condRecord), &rec); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseConditions(s)
		if err != nil {
			ce, ok := err.(*ConditionError)
			if !ok {
				t.Fatalf("error %T is not a *ConditionError", err)
			}
			if ce.Pos < 1 || ce.Pos > len([]rune(s))+1 || ce.Msg == "" {
				t.Fatalf("error %q has position %d outside 1..%d", ce.Msg, ce.Pos, len([]rune(s))+1)
			}
			return
		}
		c.Match(rec)
		c.MatchChild(rec)
	})
}
