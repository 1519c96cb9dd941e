package itglue

import "testing"

func TestFirstMAC(t *testing.T) {
	cases := []struct{ in, want string }{
		{"00:1A:2B:3C:4D:5E", "00:1A:2B:3C:4D:5E"},
		{"001a.2b3c.4d64", "001a.2b3c.4d64"},
		{"00:1A:2B:3C:4D:5E, 00:1A:2B:3C:4D:5F", "00:1A:2B:3C:4D:5E"},
		{"001A2B3C4D60,001A2B3C4D61", "001A2B3C4D60"},
		{"00:1A:2B:3C:4D:62 (Wi-Fi)", "00:1A:2B:3C:4D:62"},
		{"0123456789abcdef0123", "0123456789abcdef0"},
		{"", ""},
	}
	for _, tc := range cases {
		if got := firstMAC(tc.in); got != tc.want {
			t.Errorf("firstMAC(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
