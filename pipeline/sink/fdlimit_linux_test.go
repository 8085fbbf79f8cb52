package sink

import (
	"context"
	"os"
	"strings"
	"syscall"
	"testing"
)

// TestCreateFailsCleanly: when a part file cannot be created after the
// first (too many open files, no inodes, EIO), Create returns the error,
// and leaves neither temporary files nor the run's lock. It used to panic
// in the deferred abort, whose writer the return had set to nil.
func TestCreateFailsCleanly(t *testing.T) {
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
		t.Skip(err)
	}
	defer syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old)
	dir := t.TempDir()
	// A first writer warms up what the runtime opens once (the poller).
	w, err := Create(context.Background(), dir, sampleRun(Part{0, 1}))
	if err != nil {
		t.Fatal(err)
	}
	w.abort()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	failed := 0
	for extra := 0; extra < 16; extra++ {
		lim := old
		lim.Cur = uint64(len(fds) + extra)
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			t.Skip(err)
		}
		w, err := Create(context.Background(), dir, sampleRun(Part{0, 1}))
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old)
		if err == nil {
			w.abort()
			break
		}
		failed++
		if !strings.Contains(err.Error(), "too many open files") {
			t.Errorf("with %d descriptors: %v", lim.Cur, err)
		}
		if left := visible(t, dir); len(left) > 0 {
			t.Errorf("with %d descriptors, Create left %v", lim.Cur, left)
		}
	}
	if failed < 3 {
		t.Errorf("only %d limits failed: the test no longer reaches the later part files", failed)
	}
}
