package rules

import (
	"strings"
	"testing"

	"github.com/callqa/callqa/internal/samplegen"
	"github.com/callqa/callqa/lexicon"
	"github.com/callqa/callqa/pipeline/stage/transcript"
)

// BenchmarkMatchDefaultLexicon runs the default lexicon over calls of 50
// utterances of the benchmark corpus (normalization, the automaton scan,
// jieba where a phrase occurs, and every rule). MB/s is of the text as
// written.
func BenchmarkMatchDefaultLexicon(b *testing.B) {
	lex, err := lexicon.Default()
	if err != nil {
		b.Fatal(err)
	}
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
