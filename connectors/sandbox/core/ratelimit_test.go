package core

import (
	"testing"
	"time"
)

func TestRateLimitFixedWindows(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := NewRateLimit(2, time.Minute, func() time.Time { return now })
	for i, want := range []int{1, 0} {
		if ok, rem, _ := l.Take("k"); !ok || rem != want {
			t.Fatalf("request %d: ok %v remaining %d, want true %d", i+1, ok, rem, want)
		}
	}
	now = now.Add(20 * time.Second)
	if ok, _, wait := l.Take("k"); ok || wait != 40*time.Second {
		t.Fatalf("third request: ok %v wait %s, want refused for 40s", ok, wait)
	}
	if ok, _, _ := l.Take("other"); !ok {
		t.Fatal("another key has its own window")
	}
	now = now.Add(40 * time.Second)
	if ok, _, _ := l.Take("k"); !ok {
		t.Fatal("the next window is open")
	}
	l.Reset()
	l.Take("k")
	if ok, _, _ := l.Take("k"); !ok {
		t.Fatal("Reset forgets the windows")
	}
	if ok, rem, _ := NewRateLimit(0, time.Minute, nil).Take("k"); !ok || rem != -1 {
		t.Fatal("limit 0 is unlimited")
	}
}
