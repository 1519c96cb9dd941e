package connectors_test

import "mapsync/connectors"

// Short names for the internal helpers of export_test.go, so the external
// tests read like the internal ones.
var (
	newFakeClock = connectors.NewFakeClockForTest
	itoa         = connectors.ItoaForTest
	parseTime    = connectors.ParseTimeForTest
	realClock    = connectors.RealClockForTest
)
