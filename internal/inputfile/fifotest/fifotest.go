//go:build unix

// Package fifotest helps tests check that callqa never opens a FIFO for
// reading the blocking way: it makes one, and fails a test that blocks
// rather than letting it hang.
package fifotest

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// Make makes a named pipe at path (and its folder) that no one writes to:
// opening it for reading the usual way blocks forever. It skips the test
// where FIFOs cannot be made.
func Make(t testing.TB, path string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	return path
}

// Returns runs f, failing the test if it blocks, so that a regression
// fails rather than hangs.
func Returns(t testing.TB, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("blocked: a FIFO was opened for reading")
	}
}
