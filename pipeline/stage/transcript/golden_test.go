package transcript

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callqa/callqa/internal/golden"
)

// render is the readable form of a parsed transcript kept in golden files.
func render(t *Transcript) string {
	var b strings.Builder
	fmt.Fprintf(&b, "format: %s\nencoding: %s\ntimed: %v\n", t.Format, t.Encoding, t.Timed)
	for _, w := range t.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", w)
	}
	for _, s := range t.Segments {
		if t.Timed {
			fmt.Fprintf(&b, "%-8s %7.3f %7.3f %s\n", s.Speaker, s.Start, s.End, s.Text)
		} else {
			fmt.Fprintf(&b, "%-8s %s\n", s.Speaker, s.Text)
		}
	}
	return b.String()
}

// TestGolden parses every input in testdata/golden and compares the result
// with NAME.golden. A golden file without its input fails.
func TestGolden(t *testing.T) {
	dir := filepath.Join("testdata", "golden")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	inputs := map[string]bool{}
	for _, e := range entries {
		name := e.Name()
		if strings.HasSuffix(name, ".golden") || name == "README.md" {
			continue
		}
		inputs[name] = true
		t.Run(name, func(t *testing.T) {
			tr, err := ReadFile(filepath.Join(dir, name), Options{})
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join(dir, name+".golden"), render(tr))
		})
	}
	for _, e := range entries {
		if in, ok := strings.CutSuffix(e.Name(), ".golden"); ok && !inputs[in] {
			t.Errorf("%s has no input %s", e.Name(), in)
		}
	}
}
