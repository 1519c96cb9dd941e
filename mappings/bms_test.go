package mappings_test

import (
	"strings"
	"testing"

	"mapsync/engine"
	"mapsync/mappings"
)

// Kaseya BMS and Pulseway PSA offer two-way sync, off by default: the
// shipped BMS sync, which states no direction, pulls only (every object and
// field to_doc, nothing created in BMS); the same sync with two-way turned
// on is accepted without a diagnostic; the Pulseway PSA sync has it on and
// creates records in the PSA only when confirmed. The BMS field tables and
// matching rules hold for both.
func TestBMSTwoWayOffByDefault(t *testing.T) {
	p := compilePlan(t)
	for _, name := range []string{"kaseya_bms_itglue", "pulseway_psa_itglue"} {
		s := syncNamed(t, p, name)
		twoWay := name == "pulseway_psa_itglue"
		for _, o := range s.Objects {
			want, create := "to_doc", "never"
			if twoWay {
				want, create = "two_way", "confirmed"
			}
			if o.Direction != want || o.CreateInPSA != create {
				t.Errorf("%s: %s is %s, create in PSA %s; want %s, %s", name, o.Object, o.Direction, o.CreateInPSA, want, create)
			}
			for _, f := range o.Fields {
				if !twoWay && f.Direction != "to_doc" && f.Direction != "none" {
					t.Errorf("%s: %s.%s flows %s in a one-way sync", name, o.Object, f.Name, f.Direction)
				}
			}
		}
		match := map[string]string{}
		for _, o := range s.Objects {
			var keys []string
			for _, r := range o.Match.Rules {
				keys = append(keys, strings.Join(r.Keys, "+"))
			}
			match[o.Object] = strings.Join(keys, "|") + " narrow " + strings.Join(o.Match.Narrow, ",") + " by " + o.Match.ScopeBy
		}
		want := map[string]string{
			"organization":  "name narrow  by ",
			"contact":       "first_name+last_name narrow  by organization",
			"configuration": "configuration_type+name narrow serial_number,primary_mac by organization",
			"location":      "address_1+address_2+city+state+country narrow  by organization",
		}
		for o, w := range want {
			if match[o] != w {
				t.Errorf("%s: %s matches on %q, want %q", name, o, match[o], w)
			}
		}
	}

	// Turning two-way sync on: one line per object.
	files := mappings.Files()
	text := string(files["kaseya_bms_itglue.hcl"])
	for _, o := range []string{"organization", "location", "contact", "configuration"} {
		text = strings.Replace(text, "  object \""+o+"\" {\n", "  object \""+o+"\" {\n    direction = \"two_way\"\n", 1)
	}
	files["kaseya_bms_itglue.hcl"] = []byte(text)
	l := engine.LoadFiles(files)
	if len(l.Diags) > 0 {
		t.Fatalf("two-way turned on: %s", l.Diags.Error())
	}
	s := syncNamed(t, l.Plan, "kaseya_bms_itglue")
	for _, o := range s.Objects {
		if o.Direction != "two_way" || o.CreateInPSA != "confirmed" {
			t.Errorf("two-way turned on: %s is %s, create in PSA %s", o.Object, o.Direction, o.CreateInPSA)
		}
	}
}
