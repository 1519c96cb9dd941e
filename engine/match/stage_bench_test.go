package match

import (
	"context"
	"testing"

	"mapsync/engine/match/internal/synth"
)

// BenchmarkStagerAppend measures the production load path: canonical rows
// through Stager.Append, 1000 a page (rows/s is reported).
func BenchmarkStagerAppend(b *testing.B) {
	ctx := context.Background()
	r := openTestRun(b, b.TempDir(), "r1")
	o := object(b, "configuration")
	const n = 1000
	pages := make([][]Row, 20)
	for p := range pages {
		for i := range n {
			pages[p] = append(pages[p], synthRow(synth.PSA(p*n+i, 100000)))
		}
	}
	st, err := r.Stager(ctx, o, PSA)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := st.Append(ctx, pages[i%len(pages)]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "rows/s")
}
