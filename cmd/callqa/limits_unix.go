//go:build unix

package main

import (
	"fmt"
	"syscall"
)

// descriptorsNeeded is what a run may hold open at once: the output's four
// part files, their locks and the manifest, and per worker a recording, a
// transcript and ffmpeg's pipes, with room for the runtime's own.
func descriptorsNeeded(workers int) uint64 { return 32 + 8*uint64(workers) }

// checkDescriptors refuses a run whose open-file limit (ulimit -n) is too
// low for its workers, naming both. (Go raises the soft limit to the hard
// one at start-up, so this is the hard limit.)
func checkDescriptors(workers int) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return nil // nothing to go by
	}
	if need := descriptorsNeeded(workers); lim.Cur < need {
		return fmt.Errorf("the open-file limit is %d (ulimit -n); a run with --workers %d needs at least %d: raise the limit or lower --workers", lim.Cur, workers, need)
	}
	return nil
}
