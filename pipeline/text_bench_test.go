package pipeline

import (
	"strings"
	"testing"

	"github.com/callqa/callqa/internal/samplegen"
	"github.com/callqa/callqa/lexicon"
	"github.com/callqa/callqa/pipeline/stage/normalize"
	"github.com/callqa/callqa/pipeline/stage/rules"
	"github.com/callqa/callqa/pipeline/stage/segment"
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
