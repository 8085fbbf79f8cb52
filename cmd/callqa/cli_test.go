package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
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

// TestExitCodes: mistakes in the command line exit 2 with the usage line;
// a lexicon file that cannot be read exits 1 and names the flag.
func TestExitCodes(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.yaml")
	tests := []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"version"}, exitUsage, "callqa: usage: callqa COMMAND\n"},
		{[]string{"inspect"}, exitUsage, "callqa: usage: callqa inspect FILE [flags]\n"},
		{[]string{"completion", "tcsh"}, exitUsage, `unknown command "tcsh" for "callqa completion"`},
		{[]string{"lexicon", "frob"}, exitUsage, `unknown command "frob" for "callqa lexicon"`},
		{[]string{"lexicon", "lint", "extra"}, exitUsage, "callqa: usage: callqa lexicon lint [flags]\n"},
		{[]string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{[]string{"run", "--no-such-flag"}, exitUsage, "unknown flag: --no-such-flag"},
		{[]string{"lexicon", "lint", "--lexicon", missing}, exitFatal, "callqa: error: --lexicon " + missing + ": no such file\n"},
		{[]string{"completion", "bash"}, exitOK, ""},
		{[]string{"lexicon"}, exitOK, ""},
	}
	for _, tt := range tests {
		var stdout, stderr strings.Builder
		code := run(tt.args, &stdout, &stderr)
		if code != tt.code || !strings.Contains(stderr.String(), tt.stderr) || tt.stderr == "" && stderr.Len() > 0 {
			t.Errorf("callqa %s: exit %d, stderr:\n%s\nwant exit %d and %q", strings.Join(tt.args, " "), code, stderr.String(), tt.code, tt.stderr)
		}
	}
}

// TestLexiconLoadIsInterruptible: loading a large team file takes seconds;
// SIGINT (a cancelled context) ends the wait at once instead of after it.
func TestLexiconLoadIsInterruptible(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("name: big\nextends: default\nrules:\n")
	for i := range 20_000 {
		fmt.Fprintf(&sb, "  - {id: t%d, kind: banned, category: shirking, penalty: 1, phrases: [规则%d号]}\n", i, i)
	}
	path := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := engineOptions{Lexicon: []string{path}, AgentChannel: "left"}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // as if SIGINT came while the file loads
	if _, _, err := opts.engine(ctx, io.Discard, false, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("engine = %v, want it interrupted", err)
	}
	if _, lex, err := opts.engine(context.Background(), io.Discard, false, 0); err != nil || len(lex.Rules) < 20_000 {
		t.Fatalf("the same file, not interrupted: %v", err)
	}
}
