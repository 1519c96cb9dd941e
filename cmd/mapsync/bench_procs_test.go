package main

import (
	"testing"
	"time"
)

func TestParseBudget(t *testing.T) {
	cases := []struct {
		in     string
		n      int
		window time.Duration
		off    bool
		bad    bool
	}{
		{in: ""},
		{in: "off", off: true},
		{in: "300/30s", n: 300, window: 30 * time.Second},
		{in: "3000/5m", n: 3000, window: 5 * time.Minute},
		{in: "300", bad: true},
		{in: "0/30s", bad: true},
		{in: "300/0s", bad: true},
		{in: "x/30s", bad: true},
		{in: "300/thirty", bad: true},
	}
	for _, tc := range cases {
		n, w, off, err := parseBudget(tc.in)
		if (err != nil) != tc.bad || n != tc.n || w != tc.window || off != tc.off {
			t.Errorf("parseBudget(%q) = %d, %v, %v, %v", tc.in, n, w, off, err)
		}
	}
}
