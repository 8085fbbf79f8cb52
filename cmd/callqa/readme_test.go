package main

import (
	"bytes"
	"database/sql"
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

// TestReadmeReviewLoop runs the README's review loop on the sample calls:
// the run, its export query as written there (through DuckDB), reviewers'
// verdicts, and lexicon eval's per-rule precision from them.
func TestReadmeReviewLoop(t *testing.T) {
	samples, err := filepath.Abs(filepath.Join("..", "..", "testdata", "calls"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)Export a run's hits for review.*?```sql\n(.*?)```").FindStringSubmatch(readme(t))
	if m == nil {
		t.Fatal("README: no export query in the review loop")
	}
	t.Chdir(t.TempDir())
	var out bytes.Buffer
	if code := run([]string{"run", samples, "--out", "out"}, &out, &out); code != exitOK {
		t.Fatalf("run: exit %d\n%s", code, out.String())
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(m[1]); err != nil {
		t.Fatalf("the README's query: %v", err)
	}
	data, err := os.ReadFile("verdicts.tsv")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) < 4 || lines[0] != "call_id\trule_id\tsegment_index\tspeaker\tcontext\ttext\tverdict\tfamily" {
		t.Fatalf("the export:\n%s", data)
	}
	// The reviewers: every hit right but the blaming one (the example
	// below calls it fine), and one turn nothing flagged.
	var review strings.Builder
	review.WriteString(lines[0] + "\n")
	sawContext := false
	for _, l := range lines[1:] {
		f := strings.Split(l, "\t")
		if len(f) != 8 {
			t.Fatalf("export row %q: %d fields", l, len(f))
		}
		sawContext = sawContext || f[4] != ""
		f[6] = "right"
		if f[7] == "blaming" {
			f[6] = "wrong"
		}
		review.WriteString(strings.Join(f, "\t") + "\n")
	}
	if !sawContext {
		t.Error("no exported hit carries the customer's turn before it")
	}
	review.WriteString("dead-air\t\t2\tagent\t我的账单好像多扣了钱。\t我看一下。\tmissed\tdismissive\n")
	if err := os.WriteFile("verdicts.tsv", []byte(review.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if code := run([]string{"lexicon", "eval", "verdicts.tsv", "--loso=false"}, &out, &out); code != exitOK {
		t.Fatalf("lexicon eval: exit %d\n%s", code, out.String())
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`reviewers' verdicts on a run's hits`),
		regexp.MustCompile(`(?m)^\s+banned\.shirking\s+2\s+2\s+0\s+1\.000`),
		regexp.MustCompile(`(?m)^\s+similar\.blaming\s+1\s+0\s+1\s+0\.000`),
		regexp.MustCompile(`(?m)^\s+missed dismissive\s+1\s*$`),
	} {
		if !want.MatchString(out.String()) {
			t.Errorf("lexicon eval lacks %s:\n%s", want, out.String())
		}
	}
}
