package samplegen

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestTestdataIsGenerated: the sample files in testdata are exactly what the
// generator makes (run `make samples` after changing it), and nothing else
// sits beside them.
func TestTestdataIsGenerated(t *testing.T) {
	root := filepath.Join("..", "..", "testdata")
	files := Files()
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Errorf("%s: %v (run make samples)", name, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the generator's output (run make samples)", name)
		}
	}
	for _, sub := range []string{"calls", "broken", "formats"} {
		entries, err := os.ReadDir(filepath.Join(root, sub))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if _, ok := files[filepath.Join(sub, e.Name())]; !ok {
				t.Errorf("testdata/%s/%s is not made by the generator", sub, e.Name())
			}
		}
	}
}

func TestGeneratorDeterministic(t *testing.T) {
	for _, s := range Calls() {
		if !s.NoAudio && !bytes.Equal(s.WAV(), s.WAV()) {
			t.Errorf("%s: two renderings differ", s.Name)
		}
	}
}
