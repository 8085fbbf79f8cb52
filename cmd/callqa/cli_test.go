package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestHelpOfEveryCommand: each command explains itself and its flags.
func TestHelpOfEveryCommand(t *testing.T) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden {
			return
		}
		path := strings.Fields(c.CommandPath())[1:]
		var out strings.Builder
		code := run(append(path, "--help"), &out, &out)
		if code != exitOK || !strings.Contains(out.String(), "Usage:") || c.Short == "" {
			t.Errorf("%q --help: exit %d, short %q:\n%s", c.CommandPath(), code, c.Short, out.String())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRootCommand())
}

// TestOutputDeterministic: two runs with different worker counts write
// byte-identical Parquet.
func TestOutputDeterministic(t *testing.T) {
	t.Parallel() // beside the scripts: each builds its own jieba
	a, b := t.TempDir(), t.TempDir()
	for i, dir := range []string{a, b} {
		workers := []string{"1", "3"}[i]
		if code, stderr := runCallqa(t, "run", "../../testdata/calls", "--out", dir, "--workers", workers); code != exitOK {
			t.Fatalf("exit %d: %s", code, stderr)
		}
	}
	for _, name := range []string{"calls.parquet", "hits.parquet", "intervals.parquet"} {
		x, err := os.ReadFile(filepath.Join(a, name))
		if err != nil {
			t.Fatal(err)
		}
		y, _ := os.ReadFile(filepath.Join(b, name))
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between runs", name)
		}
	}
}

// TestRelocatedBinary: the built binary, copied to another folder and run
// with an empty HOME, still finds its jieba dictionaries (they are embedded).
func TestRelocatedBinary(t *testing.T) {
	t.Parallel() // beside the scripts: each builds its own jieba
	dir := t.TempDir()
	data, err := os.ReadFile(binary)
	if err != nil {
		t.Fatal(err)
	}
	moved := filepath.Join(dir, "elsewhere", "callqa")
	if err := os.MkdirAll(filepath.Dir(moved), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(moved, data, 0o755); err != nil {
		t.Fatal(err)
	}
	samples, err := filepath.Abs("../../testdata/calls")
	if err != nil {
		t.Fatal(err)
	}
	run := exec.Command(moved, "run", samples, "--out", filepath.Join(dir, "out"))
	run.Dir = filepath.Dir(moved)
	run.Env = []string{"HOME=", "PATH=/usr/bin:/bin", "TMPDIR=" + dir}
	out, err := run.CombinedOutput()
	if err != nil {
		t.Fatalf("relocated binary: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "8 calls: 8 processed, 0 failed") {
		t.Errorf("output:\n%s", out)
	}
}
