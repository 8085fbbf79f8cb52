//go:build !race

package sink

const raceDetector = false
