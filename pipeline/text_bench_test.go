package pipeline

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callqa/callqa/internal/samplegen"
	"github.com/callqa/callqa/lexicon"
	"github.com/callqa/callqa/pipeline/stage/normalize"
	"github.com/callqa/callqa/pipeline/stage/rules"
	"github.com/callqa/callqa/pipeline/stage/segment"
	"github.com/callqa/callqa/pipeline/stage/transcript"
)

// CorpusBytes is the size of the segmentation benchmark's text; bench/text.sh
// gives Python jieba the same text (go run ./testdata/gen -corpus).
const CorpusBytes = 2_000_000

// BenchmarkNormalizeSegment measures how fast transcript text is prepared
// for the rules: normalized (Traditional to Simplified, folding, punctuation
// dropped) and cut into words by the shared jieba with the default
// lexicon's words added, one utterance at a time as the rules stage does.
// MB/s is of the text as written.
func BenchmarkNormalizeSegment(b *testing.B) {
	lex, err := lexicon.Default()
	if err != nil {
		b.Fatal(err)
	}
	seg, err := segment.New(rules.Compile(lex).Words())
	if err != nil {
		b.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(samplegen.Corpus(CorpusBytes)), "\n")
	size := 0
	for _, l := range lines {
		size += len(l)
	}
	b.SetBytes(int64(size))
	for b.Loop() {
		for _, l := range lines {
			seg.Cut(normalize.New(l).Norm)
		}
	}
}

// BenchmarkLanguageStages measures the language checks of a call — the
// exact rules, then the similarity stage on the agent turns they pass —
// on the rules benchmark's text (1 MB of sample-call turns, 50 a call),
// for the default lexicon beside lexicon 0.2.0 (exact rules only, no
// model) in the same run. The words are cut by the shared jieba first, as
// a run does; MB/s is of the text as written.
func BenchmarkLanguageStages(b *testing.B) {
	old, err := os.ReadFile(filepath.Join("stage", "rules", "testdata", "lexicon-0.2.0.yaml"))
	if err != nil {
		b.Fatal(err)
	}
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
	for _, name := range []string{"v0.2.0", "default"} {
		b.Run(name, func(b *testing.B) {
			lex, err := lexicon.Default()
			if name == "v0.2.0" {
				lex, err = lexicon.Parse("lexicon-0.2.0.yaml", old)
			}
			if err != nil {
				b.Fatal(err)
			}
			e, err := New(Config{Lexicon: lex})
			if err != nil {
				b.Fatal(err)
			}
			if (e.Similar() != nil) != (name == "default") {
				b.Fatalf("%s: similarity stage %v", name, e.Similar() != nil)
			}
			if err := e.check(&Call{Transcript: calls[0]}); err != nil { // jieba starts
				b.Fatal(err)
			}
			b.SetBytes(int64(size))
			for b.Loop() {
				for _, tr := range calls {
					if err := e.check(&Call{Transcript: tr}); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// BenchmarkLoadDefaultModel measures what the similarity stage adds to a
// run's start: reading the embedded model and preparing it for judging
// (BenchmarkLoadDefaultLexicon in stage/rules is the rest).
func BenchmarkLoadDefaultModel(b *testing.B) {
	lex, err := lexicon.Default()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := loadSimilar(lex); err != nil {
			b.Fatal(err)
		}
	}
}
