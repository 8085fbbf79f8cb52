package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/callqa/callqa/lexicon"
)

// readme is the repository's README.md.
func readme(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestReadmeDescribesTheDefaultLexicon: the README's version, rule count
// and example count of the default lexicon are the embedded file's.
func TestReadmeDescribesTheDefaultLexicon(t *testing.T) {
	lex, err := lexicon.Default()
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("The default lexicon \\(`lexicon/default.yaml`, embedded, version ([^)]+)\\) has (\\d+) rules").FindStringSubmatch(readme(t))
	if m == nil {
		t.Fatal("README: no sentence on the default lexicon's version and rules")
	}
	if m[1] != lex.Version || m[2] != strconv.Itoa(len(lex.Rules)) {
		t.Errorf("README: version %s with %s rules; lexicon/default.yaml: version %s with %d rules", m[1], m[2], lex.Version, len(lex.Rules))
	}
	examples := 0
	for _, r := range lex.Rules {
		examples += len(r.Examples.Match) + len(r.Examples.NoMatch)
	}
	n := regexp.MustCompile(`and ([\d,]+) examples that must and must not match`).FindStringSubmatch(readme(t))
	if n == nil || strings.ReplaceAll(n[1], ",", "") != strconv.Itoa(examples) {
		t.Errorf("README: %v examples; lexicon/default.yaml: %d", n, examples)
	}
}

// TestReadmeDemoOutput runs what make demo runs and compares what it
// prints with the README's copy, line for line; only the time taken (this
// machine's), the run id and callqa's version may differ. The pages' folder is the one the README names.
func TestReadmeDemoOutput(t *testing.T) {
	samples, err := filepath.Abs(filepath.Join("..", "..", "testdata", "calls"))
	if err != nil {
		t.Fatal(err)
	}
	text := readme(t)
	block := regexp.MustCompile("(?s)`make demo` prints a summary.*?```\n(.*?)```").FindStringSubmatch(text)
	if block == nil {
		t.Fatal("README: no copy of make demo's output")
	}
	t.Chdir(t.TempDir())
	var out bytes.Buffer
	for _, args := range [][]string{
		{"run", samples, "--out", "out/demo"},
		{"report", "out/demo", "--html", "out/demo/report.html"},
	} {
		if code := run(args, &out, &out); code != exitOK {
			t.Fatalf("callqa %s: exit %d\n%s", strings.Join(args, " "), code, out.String())
		}
	}
	// The time taken, the run id and callqa's own version (git's, under
	// make) vary; the rest must not.
	varying := regexp.MustCompile(`in [\d.]+ s \([\d,.]+× real time\)|run [0-9a-f]{16}|callqa [^ ,)]+\)`)
	got, want := varying.ReplaceAllString(out.String(), "V"), varying.ReplaceAllString(block[1], "V")
	if got != want {
		t.Errorf("make demo prints\n%s\nthe README says\n%s", out.String(), block[1])
	}
	if _, err := os.Stat("out/demo/report-calls"); err != nil || !strings.Contains(text, "`report-calls/` for `report.html`") {
		t.Errorf("the pages' folder: %v; the README must name it as report-calls/ for report.html", err)
	}
}
