package plan

import (
	"strings"
	"testing"
)

func TestOffers(t *testing.T) {
	oneWay := Object{Name: "contact", Offers: []string{DirToDoc}}
	all := Object{Name: "contact"}
	for _, c := range []struct {
		o    Object
		dir  string
		want bool
	}{
		{oneWay, DirToDoc, true}, {oneWay, DirTwoWay, false}, {oneWay, DirToPSA, false}, {oneWay, DirNone, true},
		{all, DirTwoWay, true}, {all, DirToPSA, true},
	} {
		if got := c.o.Offered(c.dir); got != c.want {
			t.Errorf("%v offers %s: %v, want %v", c.o.Offers, c.dir, got, c.want)
		}
	}
	if msg := OfferProblem("tp", oneWay, DirTwoWay); msg != "system tp does not offer a two_way sync of contact: it offers to_doc" {
		t.Errorf("message %q", msg)
	}
	psa := System{Name: "tp", Objects: []Object{oneWay}}
	doc := System{Name: "docs", Objects: []Object{{Name: "contact", Offers: []string{DirTwoWay}}}}
	s := Sync{Name: "s", Objects: []ObjectSync{{Object: "contact", Direction: DirToDoc}}}
	probs := CheckOffers(s, psa, doc)
	if len(probs) != 1 || probs[0].Place.Attr != "direction" || !strings.Contains(probs[0].Message, "system docs does not offer a to_doc sync") {
		t.Errorf("problems %+v", probs)
	}
}
