//go:build unix

package pipeline

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/callqa/callqa/pipeline/source"
)

// A FIFO named as a recording or a transcript is an error row: it is never
// opened for reading, which would block the call forever.
func TestFIFOsAreErrorRows(t *testing.T) {
	e := newEngine(t)
	dir := t.TempDir()
	wav, json := filepath.Join(dir, "x.wav"), filepath.Join(dir, "x.json")
	for _, p := range []string{wav, json} {
		if err := syscall.Mkfifo(p, 0o644); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
	}
	done := make(chan Call, 1)
	go func() { done <- e.Process(source.Call{ID: "x", AudioPath: wav, TranscriptPath: json}) }()
	select {
	case c := <-done:
		if c.Err == nil || strings.Count(c.Err.Error(), "not a regular file (a named pipe)") != 2 {
			t.Errorf("error %v", c.Err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("blocked on a FIFO")
	}
}
