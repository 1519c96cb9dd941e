package connectors

// Internal helpers the external tests (package connectors_test: the ones
// that load mapping files through mapsync/engine, which imports this
// package) use.
var (
	NewFakeClockForTest       = func() Clock { return newFakeClock() }
	ItoaForTest               = itoa
	ParseTimeForTest          = parseTime
	RealClockForTest    Clock = realClock{}
)
