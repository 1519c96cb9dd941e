package local_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	. "mapsync/connectors"
)

// BenchmarkExtractConfigurations measures the runtime's extraction rate:
// every configuration (about 25,000) from the ConnectWise sandbox over
// loopback, pages of the mapping's maximum size (1000). The mapping's
// client rate limit (10 requests/s) is lifted: with it the figure would be
// the limit's, not the runtime's.
func BenchmarkExtractConfigurations(b *testing.B) {
	e := newCWEnv(b, cwDataset())
	e.sys.RateLimit.RequestsPerSecond, e.sys.RateLimit.Burst = 0, 0
	n := e.sb.Count("configurations")
	for _, prefetch := range []bool{false, true} {
		b.Run(fmt.Sprintf("prefetch=%v", prefetch), func(b *testing.B) { benchExtract(b, e, n, prefetch) })
	}
}

func benchExtract(b *testing.B, e *cwEnv, n int, prefetch bool) {
	c := e.client(b, WithClock(realClock{}))
	ctx := context.Background()
	var records, pages int
	start := time.Now()
	for b.Loop() {
		for p, err := range c.List(ctx, "configuration", ListQuery{Prefetch: prefetch}) {
			if err != nil {
				b.Fatal(err)
			}
			records += len(p.Records)
			pages++
		}
	}
	elapsed := time.Since(start).Seconds()
	if records != n*b.N {
		b.Fatalf("read %d records in %d runs of %d", records, b.N, n)
	}
	b.ReportMetric(float64(records)/elapsed, "records/s")
	b.ReportMetric(float64(pages)/elapsed, "pages/s")
	b.ReportMetric(float64(c.Stats().BytesReceived)/elapsed/1e6, "MB/s")
}

// realClock is the wall clock (package connectors' own is unexported).
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
