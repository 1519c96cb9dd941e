package plan

import "testing"

// Each write style is a preset of the write shapes, and a block changes
// only the attributes it names.
func TestWriteStylePresets(t *testing.T) {
	base := Object{ListPath: "/things", CreatePath: "/things", ItemPath: "/things/{id}"}
	for _, tc := range []struct {
		write          string
		update         *WriteShape
		create, upShow string // "METHOD PATH BODY"
	}{
		{WriteJSONPatch, nil, "POST /things object", "PATCH /things/{id} json_patch"},
		{WriteJSONAPI, nil, "POST /things jsonapi", "PATCH /things/{id} jsonapi"},
		{WritePartialPatch, nil, "POST /things object", "PATCH /things partial"},
		{WritePut, nil, "POST /things object", "PUT /things/{id} whole"},
		{WriteNone, nil, "POST /things object", "PATCH /things/{id} "},
		{WritePartialPatch, &WriteShape{Method: "put"}, "POST /things object", "PUT /things partial"},
		{WriteNone, &WriteShape{Method: "POST", Path: "/things", Body: BodyArray}, "POST /things object", "POST /things array"},
	} {
		o := base
		o.Write, o.Update = tc.write, tc.update
		show := func(w WriteShape) string { return w.Method + " " + w.Path + " " + w.Body }
		if got := show(o.CreateShape()); got != tc.create {
			t.Errorf("%s create: %s, want %s", tc.write, got, tc.create)
		}
		if got := show(o.UpdateShape()); got != tc.upShow {
			t.Errorf("%s update %+v: %s, want %s", tc.write, tc.update, got, tc.upShow)
		}
		if o.Writable() != (tc.write != WriteNone || tc.update != nil) {
			t.Errorf("%s writable %v", tc.write, o.Writable())
		}
	}
}

func TestParseBodyShape(t *testing.T) {
	for _, tc := range []struct{ in, kind, member string }{
		{"object", BodyObject, ""}, {"object:contact", BodyWrapped, "contact"}, {"array", BodyArray, ""},
		{"whole", BodyWhole, ""}, {"object:", "", ""}, {"xml", "", ""},
	} {
		k, m, err := ParseBodyShape(tc.in)
		if k != tc.kind || m != tc.member || (err != nil) != (tc.kind == "") {
			t.Errorf("%q: %q %q %v", tc.in, k, m, err)
		}
	}
}
