package mappings_test

import (
	"regexp"
	"strings"
	"testing"

	"mapsync/engine"
	"mapsync/mappings"
)

// Tigerpaw offers one-way sync into the documentation system only, and no
// configurations: the shipped Tigerpaw sync asking for two_way on each of
// its objects, and for a configuration object, is refused by the load
// (what validate runs) at the places asked, with what Tigerpaw offers.
func TestTigerpawRefusesWhatItDoesNotOffer(t *testing.T) {
	files := mappings.Files()
	const name = "tigerpaw_itglue.hcl"
	text := string(files[name])
	directions := regexp.MustCompile(`(?m)^    direction(\s*)= "to_doc"$`)
	if n := len(directions.FindAllString(text, -1)); n != 3 {
		t.Fatalf("the shipped Tigerpaw sync states %d object directions, the test expects 3", n)
	}
	text = directions.ReplaceAllString(text, `    direction$1= "two_way"`)
	end := strings.LastIndex(text, "}")
	text = text[:end] + "\n  object \"configuration\" {\n    match {\n      rule \"name\" {\n        keys = [\"name\"]\n      }\n    }\n  }\n}\n"
	files[name] = []byte(text)

	l := engine.LoadFiles(files)
	var all []string
	for _, d := range l.Diags {
		all = append(all, d.Summary+": "+d.Detail)
	}
	got := strings.Join(all, "\n")
	for _, o := range []string{"organization", "location", "contact"} {
		want := "System tigerpaw does not offer a two_way sync of " + o + ": it offers to_doc."
		if !strings.Contains(got, want) {
			t.Errorf("diagnostics lack %q:\n%s", want, got)
		}
	}
	if want := "System tigerpaw has no object configuration: it offers organization, location, contact."; !strings.Contains(got, want) {
		t.Errorf("diagnostics lack %q:\n%s", want, got)
	}
	for _, d := range l.Diags {
		if d.Subject == nil || d.Subject.Filename != name || d.Subject.Start.Line == 0 {
			t.Errorf("diagnostic %q has no position in %s: %v", d.Summary, name, d.Subject)
		}
	}
}
