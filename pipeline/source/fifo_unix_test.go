//go:build unix

package source

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// mkfifo makes a named pipe that no one writes to: opening it for reading
// the usual way blocks forever.
func mkfifo(t *testing.T, path string) string {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	return path
}

// returns runs f, failing the test if it blocks, so that a regression
// fails rather than hangs.
func returns(t *testing.T, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("blocked: a FIFO was opened for reading")
	}
}

func TestManifestFIFOAndDevices(t *testing.T) {
	fifo := mkfifo(t, filepath.Join(t.TempDir(), "m.csv"))
	returns(t, func() {
		for path, want := range map[string]string{
			fifo:        "manifest: open " + fifo + ": not a regular file (a named pipe)",
			"/dev/zero": "manifest: open /dev/zero: not a regular file (a character device)",
		} {
			if _, err := os.Stat(path); err != nil {
				continue
			}
			if _, err := ReadManifest(path); err == nil || err.Error() != want {
				t.Errorf("ReadManifest(%s): %v, want %q", path, err, want)
			}
		}
	})
}

// A FIFO named as a call, in a folder, is a call: its row will say why it
// cannot be read. Finding it does not open it; another FIFO is skipped.
func TestDiscoverFIFO(t *testing.T) {
	root := t.TempDir()
	mkfifo(t, filepath.Join(root, "x.wav"))
	mkfifo(t, filepath.Join(root, "pipe"))
	var f Found
	returns(t, func() {
		var err error
		if f, err = Discover([]string{root}); err != nil {
			t.Error(err)
		}
	})
	if len(f.Calls) != 1 || f.Calls[0].AudioPath != filepath.Join(root, "x.wav") {
		t.Errorf("calls %+v", f.Calls)
	}
	if len(f.Skipped) != 1 || f.Skipped[0].Reason != "not a call (not a regular file (a named pipe))" {
		t.Errorf("skipped %+v", f.Skipped)
	}
}
