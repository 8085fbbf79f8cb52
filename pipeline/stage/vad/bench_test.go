package vad

import (
	"io"
	"math/rand/v2"
	"testing"

	"github.com/callqa/callqa/lexicon"
)

// BenchmarkAnalyzeStereo measures detection alone on one hour of
// stereo 8 kHz samples served from memory (decoding excluded).
func BenchmarkAnalyzeStereo(b *testing.B) {
	const seconds = 60
	block := make([]float32, 2*8000*seconds)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range block {
		block[i] = float32(rng.Float64()*0.2 - 0.1)
	}
	for b.Loop() {
		r := &repeatReader{block: block, left: 60} // 60 × 60 s = 1 h
		if _, err := Analyze(r, 2, 8000, NewConfig(lexicon.DefaultSettings), true); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(3600*float64(b.N)/b.Elapsed().Seconds(), "x_realtime")
}

type repeatReader struct {
	block []float32
	pos   int
	left  int
}

func (r *repeatReader) Read(dst []float32) (int, error) {
	if r.pos == len(r.block) {
		if r.left--; r.left <= 0 {
			return 0, io.EOF
		}
		r.pos = 0
	}
	n := copy(dst, r.block[r.pos:])
	r.pos += n
	return n / 2, nil
}
