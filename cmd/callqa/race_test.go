//go:build race

package main

// raceEnabled: the tests run under the race detector, so the callqa they
// build for the scripts is built with it too, from the same compiled
// packages (make test passes -trimpath to go test for that).
const raceEnabled = true
