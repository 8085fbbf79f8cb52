package vad

import (
	"io"
	"math"
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

// BenchmarkAnalyzeDigitalSilence is BenchmarkAnalyzeStereo on speech-like
// audio with exact zeros between the bursts, as many recorders and codecs
// store pauses: syllable-rate bursts of voiced sound on each channel in
// turn, and digital silence between them. The filters' tails decay into
// subnormal floats there unless they are flushed; "dithered" is the same
// audio with ±1 LSB (16-bit) in place of the zeros, for comparison.
func BenchmarkAnalyzeDigitalSilence(b *testing.B) {
	for _, name := range []string{"zeros", "dithered"} {
		b.Run(name, func(b *testing.B) {
			block := speechWithDigitalSilence(60, name == "dithered")
			for b.Loop() {
				r := &repeatReader{block: block, left: 60}
				if _, err := Analyze(r, 2, 8000, NewConfig(lexicon.DefaultSettings), true); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(3600*float64(b.N)/b.Elapsed().Seconds(), "x_realtime")
		})
	}
}

// speechWithDigitalSilence is seconds of stereo 8 kHz: each channel speaks
// in turn for 2 s (syllables of 0.2 s: a 120–220 Hz buzz with harmonics and
// noise, then 0.1 s of exact zeros), while the other is exactly zero.
func speechWithDigitalSilence(seconds int, dither bool) []float32 {
	const rate = 8000
	out := make([]float32, 2*rate*seconds)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range rate * seconds {
		t := float64(i) / rate
		ch := int(t/2) % 2
		inSyllable := math.Mod(t, 0.3) < 0.2
		for c := range 2 {
			v := 0.0
			if c == ch && inSyllable {
				f0 := 120 + 100*math.Mod(t*0.7, 1)
				env := math.Sin(math.Pi * math.Mod(t, 0.3) / 0.2)
				for h := 1; h <= 8; h++ {
					v += math.Sin(2*math.Pi*f0*float64(h)*t) / float64(h)
				}
				v = 0.1 * env * (v + 0.3*(rng.Float64()-0.5))
			}
			if v == 0 && dither {
				v = float64(2*rng.IntN(2)-1) / 32768
			}
			out[2*i+c] = float32(v)
		}
	}
	return out
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
