//go:build !amd64 || purego

package vad

// measureStereo is measureStereoGo where there is no assembly version (or
// the purego tag asks for none).
func measureStereo(l, r *filterChannel, block []float32, hp, lp biquad, ldst, rdst []float32) {
	measureStereoGo(l, r, block, hp, lp, ldst, rdst)
}
