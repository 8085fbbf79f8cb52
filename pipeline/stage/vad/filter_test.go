package vad

import (
	"math/rand/v2"
	"testing"
)

// TestMeasureStereoAssembly checks that measureStereo (assembly on amd64)
// leaves the very floats measureStereoGo does: the low bands, the filter
// memory, the power sums and the zero counts, over blocks of odd lengths,
// through exact zeros, loud passages and blocks of one sample.
func TestMeasureStereoAssembly(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const n = 4000
	block := make([]float32, 2*n)
	for i := range block {
		switch {
		case i/2%1000 < 300: // digital silence on both channels
		case rng.IntN(4) == 0: // zeros on one channel now and then
		default:
			block[i] = float32(rng.NormFloat64() * 0.3)
		}
	}
	asm, gen := newFilters(8000, 2, 80, defaults), newFilters(8000, 2, 80, defaults)
	la, ra, lg, rg := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
	for at := 0; at < n; {
		run := min(n-at, 1+rng.IntN(97))
		b := block[2*at : 2*(at+run)]
		measureStereo(&asm.ch[0], &asm.ch[1], b, asm.hp, asm.lp, la[at:at+run], ra[at:at+run])
		measureStereoGo(&gen.ch[0], &gen.ch[1], b, gen.hp, gen.lp, lg[at:at+run], rg[at:at+run])
		for c := range 2 {
			if asm.ch[c] != gen.ch[c] {
				t.Fatalf("after sample %d, channel %d: %+v, Go code %+v", at+run, c, asm.ch[c], gen.ch[c])
			}
		}
		at += run
	}
	for i := range n {
		if la[i] != lg[i] || ra[i] != rg[i] {
			t.Fatalf("low band at %d: %g %g, Go code %g %g", i, la[i], ra[i], lg[i], rg[i])
		}
	}
	if asm.ch[0].sums.zeros == 0 || asm.ch[0].sums.energy[low] == 0 {
		t.Fatalf("nothing measured: %+v", asm.ch[0])
	}
}

// BenchmarkMeasureStereo is the band filters alone on a 10 ms stereo frame
// at 8 kHz, against the Go code they replace on amd64.
func BenchmarkMeasureStereo(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	block := make([]float32, 2*80)
	for i := range block {
		block[i] = float32(rng.Float64()*0.2 - 0.1)
	}
	for _, impl := range []struct {
		name string
		run  func(l, r *filterChannel, block []float32, hp, lp biquad, ldst, rdst []float32)
	}{{"measureStereo", measureStereo}, {"measureStereoGo", measureStereoGo}} {
		b.Run(impl.name, func(b *testing.B) {
			fs := newFilters(8000, 2, 80, defaults)
			l, r := make([]float32, 80), make([]float32, 80)
			for b.Loop() {
				impl.run(&fs.ch[0], &fs.ch[1], block, fs.hp, fs.lp, l, r)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/80, "ns/sample")
		})
	}
}
