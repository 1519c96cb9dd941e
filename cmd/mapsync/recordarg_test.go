package main

import "testing"

func TestParseRecordArg(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want recordArg
		bad  bool
	}{
		{in: "123", want: recordArg{ID: "123"}},
		{in: "psa:123", want: recordArg{Side: "psa", ID: "123"}},
		{in: "doc:abc-9", want: recordArg{Side: "doc", ID: "abc-9"}},
		{in: "left:1", bad: true},
		{in: "psa:", bad: true},
		{in: "", bad: true},
		{in: "doc:a b", bad: true},
	} {
		got, err := parseRecordArg(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("%q: accepted as %+v", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%q = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}
