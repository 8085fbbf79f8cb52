//go:build race

package sink

// raceDetector reports a build with -race, whose checkptr turns some
// recoverable panics inside parquet-go into fatal errors.
const raceDetector = true
