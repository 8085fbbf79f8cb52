//go:build unix

package source

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/callqa/callqa/internal/inputfile/fifotest"
)

func TestManifestFIFOAndDevices(t *testing.T) {
	fifo := fifotest.Make(t, filepath.Join(t.TempDir(), "m.csv"))
	fifotest.Returns(t, func() {
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
	fifotest.Make(t, filepath.Join(root, "x.wav"))
	fifotest.Make(t, filepath.Join(root, "pipe"))
	var f Found
	fifotest.Returns(t, func() {
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
