//go:build unix

package inputfile

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// mkfifo makes a named pipe that no one writes to: opening it for reading
// the usual way blocks forever.
func mkfifo(t *testing.T, path string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
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

func TestOpenRefusesFIFOs(t *testing.T) {
	fifo := mkfifo(t, filepath.Join(t.TempDir(), "x.wav"))
	returns(t, func() {
		if f, err := Open(fifo); err == nil || !strings.Contains(err.Error(), "not a regular file (a named pipe)") {
			t.Errorf("Open(fifo) = %v, %v; want a named-pipe error", f, err)
		}
		if _, err := Read(fifo, 10); err == nil || !strings.Contains(err.Error(), "named pipe") {
			t.Errorf("Read(fifo): %v", err)
		}
	})
}

func TestDevices(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip(err)
	}
	if _, err := Read("/dev/zero", 10); err == nil || err.Error() != "open /dev/zero: not a regular file (a character device)" {
		t.Errorf("Read(/dev/zero): %v", err)
	}
	if _, err := Open(t.TempDir()); err == nil || !strings.Contains(err.Error(), "a folder, not a file") {
		t.Errorf("Open(folder): %v", err)
	}
}

func TestReadCap(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.csv")
	if err := os.WriteFile(path, []byte("call_id,audio\nc1,a.wav\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(path, 10); err == nil || err.Error() != "read "+path+": larger than 10 bytes, the most callqa reads" {
		t.Errorf("Read: %v", err)
	}
	if data, err := Read(path, 23); err != nil || len(data) != 23 {
		t.Errorf("Read at the cap: %d bytes, %v", len(data), err)
	}
}
