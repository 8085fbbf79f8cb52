package vad

import (
	"math"

	"github.com/mjibson/go-dsp/window"
	"gonum.org/v1/gonum/dsp/fourier"
)

// Mains hum is found with an averaged spectrum of a few sampled windows:
// an FFT of every frame would cost more than the whole level pass, while
// one window per read block every 40 s of 8 kHz audio costs about 2 % of
// it (BenchmarkHumPerHour) and is plenty for a tone that lasts the call.
const (
	humWindow     = 1024 // samples: 7.8 Hz resolution at 8 kHz
	humEveryBlock = 20   // one window every 20 read blocks (40 s at 8 kHz)
)

// humMeter averages the power spectrum of sampled windows of each channel.
type humMeter struct {
	fft     *fourier.FFT
	win     []float64
	buf     []float64
	coeffs  []complex128
	power   [][]float64 // per channel, per bin
	windows int
	rate    int
}

func newHumMeter(channels, rate int) *humMeter {
	h := &humMeter{
		fft:    fourier.NewFFT(humWindow),
		win:    window.Hann(humWindow), // go-dsp's window functions
		buf:    make([]float64, humWindow),
		coeffs: make([]complex128, humWindow/2+1),
		power:  make([][]float64, channels),
		rate:   rate,
	}
	for c := range h.power {
		h.power[c] = make([]float64, humWindow/2+1)
	}
	return h
}

// add takes one window from the start of an interleaved block, if it is
// long enough.
func (h *humMeter) add(samples []float32, frames, channels int) {
	if frames < humWindow {
		return
	}
	for c := range channels {
		for i := range humWindow {
			h.buf[i] = float64(samples[i*channels+c]) * h.win[i]
		}
		h.fft.Coefficients(h.coeffs, h.buf)
		p := h.power[c]
		for k, v := range h.coeffs {
			p[k] += real(v)*real(v) + imag(v)*imag(v)
		}
	}
	h.windows++
}

// Hum is the mains hum found on a channel.
type Hum struct {
	Hz    int     // 50 or 60; 0 when there is none
	Level float64 // dBFS of the tone
}

// humMinDB and humMinShare decide what counts as hum: a tone at 50 or 60
// Hz above -50 dBFS that holds at least a quarter of the channel's power
// below 1 kHz, where hum harmonics and voice fundamentals live.
const (
	humMinDB    = -50
	humMinShare = 0.25
)

// hum reads channel c's averaged spectrum.
func (h *humMeter) hum(c int) Hum {
	if h.windows == 0 {
		return Hum{}
	}
	binHz := float64(h.rate) / humWindow
	// Window power gain: a full-scale sine gives (N/2·mean(w))² per bin peak
	// spread over the main lobe; summing the lobe and normalizing by the
	// window's energy gives the tone's mean square.
	var wsum float64
	for _, w := range h.win {
		wsum += w * w
	}
	norm := 2 / (float64(humWindow) * wsum * float64(h.windows))
	power := h.power[c]
	band := func(lo, hi float64) float64 {
		var s float64
		for k := int(lo / binHz); k <= int(hi/binHz) && k < len(power); k++ {
			s += power[k]
		}
		return s * norm
	}
	low := band(binHz, 1000) // from the first bin: DC is not hum
	best := Hum{}
	for _, hz := range []int{50, 60} {
		tone := band(float64(hz)-1.5*binHz, float64(hz)+1.5*binHz)
		if tone <= 0 || low <= 0 {
			continue
		}
		db := 10 * math.Log10(tone)
		if db > humMinDB && tone/low >= humMinShare && (best.Hz == 0 || db > best.Level) {
			best = Hum{Hz: hz, Level: db}
		}
	}
	return best
}
