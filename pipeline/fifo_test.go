//go:build unix

package pipeline

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/callqa/callqa/internal/inputfile/fifotest"
	"github.com/callqa/callqa/pipeline/source"
)

// A FIFO named as a recording or a transcript is an error row: it is never
// opened for reading, which would block the call forever.
func TestFIFOsAreErrorRows(t *testing.T) {
	e := newEngine(t)
	dir := t.TempDir()
	wav, json := filepath.Join(dir, "x.wav"), filepath.Join(dir, "x.json")
	fifotest.Make(t, wav)
	fifotest.Make(t, json)
	fifotest.Returns(t, func() {
		c := e.Process(source.Call{ID: "x", AudioPath: wav, TranscriptPath: json})
		if c.Err == nil || strings.Count(c.Err.Error(), "not a regular file (a named pipe)") != 2 {
			t.Errorf("error %v", c.Err)
		}
	})
}
