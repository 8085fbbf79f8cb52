//go:build !purego

package vad

// measureStereo is measureStereoGo with the filter loop in SSE
// (filter_amd64.s): the two channels share one register per value, and the
// high-pass and low-pass run in one pass, so the CPU overlaps four
// recursions where Go's code overlaps two (Go keeps no more state in
// registers). The operations and their order are measureStereoGo's, so the
// results are the same floats (TestMeasureStereoAssembly).
func measureStereo(l, r *filterChannel, block []float32, hp, lp biquad, ldst, rdst []float32) {
	n := min(len(block)/2, len(ldst), len(rdst))
	if n == 0 {
		return
	}
	f, g := &l.filter, &r.filter
	state := [14]float32{
		f.x1, g.x1, f.d1, g.d1, f.u1, g.u1, f.u2, g.u2,
		f.s1, g.s1, f.v1, g.v1, f.v2, g.v2,
	}
	coef := [4]float32{float32(hp.a1), float32(hp.a2), float32(lp.a1), float32(lp.a2)}
	var energy [4]float32
	var zeros [2]int
	filterStereoSSE(&block[0], &ldst[0], &rdst[0], n, &state, &coef, &energy, &zeros)
	f.x1, g.x1, f.d1, g.d1, f.u1, g.u1, f.u2, g.u2 = state[0], state[1], state[2], state[3], state[4], state[5], state[6], state[7]
	f.s1, g.s1, f.v1, g.v1, f.v2, g.v2 = state[8], state[9], state[10], state[11], state[12], state[13]
	f.flush()
	g.flush()
	l.add(energy[0], energy[2], zeros[0], hp, lp)
	r.add(energy[1], energy[3], zeros[1], hp, lp)
}

// filterStereoSSE runs n interleaved stereo samples through the high-pass
// and low-pass sections, writing each channel's low band to ldst and rdst.
// state holds the pairs (left, right) of x1, d1, u1, u2, s1, v1, v2, and is
// updated; coef is the high-pass's a1, a2 and the low-pass's a1, a2; energy
// receives the sums of squares of u (left, right) and of v (left, right),
// zeros the count of exact zeros on each channel.
//
//go:noescape
func filterStereoSSE(block, ldst, rdst *float32, n int, state *[14]float32, coef *[4]float32, energy *[4]float32, zeros *[2]int)
