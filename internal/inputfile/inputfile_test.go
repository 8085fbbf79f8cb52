//go:build unix

package inputfile

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callqa/callqa/internal/inputfile/fifotest"
)

func TestOpenRefusesFIFOs(t *testing.T) {
	fifo := fifotest.Make(t, filepath.Join(t.TempDir(), "x.wav"))
	fifotest.Returns(t, func() {
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

// TestSockets: a socket named x.wav is named as one; opening it fails
// with ENXIO, whose "no such device or address" misled.
func TestSockets(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.wav")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Skip(err)
	}
	defer l.Close()
	if _, err := Open(path); err == nil || err.Error() != "open "+path+": not a regular file (a socket)" {
		t.Errorf("Open(socket): %v", err)
	}
}
