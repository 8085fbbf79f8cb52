package rules

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callqa/callqa/internal/samplegen"
	"github.com/callqa/callqa/lexicon"
	"github.com/callqa/callqa/pipeline/stage/transcript"
)

// BenchmarkMatchDefaultLexicon runs the default lexicon over calls of 50
// utterances of the benchmark corpus (normalization, the automaton scan,
// jieba where a phrase occurs, and every rule), beside lexicon 0.2.0 (the
// last before patterns and classes; testdata/lexicon-0.2.0.yaml) in the
// same run. MB/s is of the text as written.
func BenchmarkMatchDefaultLexicon(b *testing.B) {
	old, err := os.ReadFile(filepath.Join("testdata", "lexicon-0.2.0.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	for _, name := range []string{"v0.2.0", "default"} {
		b.Run(name, func(b *testing.B) {
			lex, err := lexicon.Default()
			if name == "v0.2.0" {
				lex, err = lexicon.Parse("lexicon-0.2.0.yaml", old)
			}
			if err != nil {
				b.Fatal(err)
			}
			benchmarkMatch(b, lex)
		})
	}
}

func benchmarkMatch(b *testing.B, lex *lexicon.Lexicon) {
	m, cut := compile(b, lex)
	lines := strings.Split(strings.TrimSpace(samplegen.Corpus(1_000_000)), "\n")
	var calls []*transcript.Transcript
	size := 0
	for i := 0; i < len(lines); i += 50 {
		tr := &transcript.Transcript{Timed: true}
		for j, l := range lines[i:min(i+50, len(lines))] {
			speaker := []string{"agent", "customer"}[j%2]
			tr.Segments = append(tr.Segments, transcript.Segment{Speaker: speaker, Start: float64(3 * j), End: float64(3*j + 2), Text: l})
			size += len(l)
		}
		calls = append(calls, tr)
	}
	b.SetBytes(int64(size))
	hits := 0
	for b.Loop() {
		for _, c := range calls {
			hits += len(m.Match(c, cut, 150).Hits)
		}
	}
	if hits == 0 {
		b.Fatal("no hits: the benchmark would measure nothing")
	}
}

// BenchmarkLoadDefaultLexicon loads and compiles the default lexicon, as
// every run with transcripts does once (target: at most 0.5 s).
func BenchmarkLoadDefaultLexicon(b *testing.B) {
	for b.Loop() {
		lex, err := lexicon.Default()
		if err != nil {
			b.Fatal(err)
		}
		Compile(lex).compile()
	}
}

// benchTeamRules is the size of the team file BenchmarkLayerTeamFile layers.
var benchTeamRules = 100_000

// BenchmarkLayerTeamFile layers a team file of 100,000 rules (each with a
// phrase and a pattern) on the default lexicon and compiles the result
// (target: seconds, not minutes).
func BenchmarkLayerTeamFile(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("name: team\nclasses: {self: [咱]}\nrules:\n")
	for i := range benchTeamRules {
		fmt.Fprintf(&sb, "  - {id: t%d, kind: banned, category: shirking, penalty: 1, phrases: [规则%d号], patterns: [\"{self}?第%d条(规定|要求)\"]}\n", i, i, i)
	}
	path := filepath.Join(b.TempDir(), "team.yaml")
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		lex, err := lexicon.Load("default", path)
		if err != nil {
			b.Fatal(err)
		}
		if m := Compile(lex); len(m.Words()) < 3*benchTeamRules {
			b.Fatalf("%d words", len(m.Words()))
		}
	}
}
