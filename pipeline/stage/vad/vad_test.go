package vad

import (
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/callqa/callqa/lexicon"
)

// sliceReader serves interleaved samples in small reads.
type sliceReader struct{ s []float32 }

func (r *sliceReader) Read(dst []float32) (int, error) {
	if len(r.s) == 0 {
		return 0, io.EOF
	}
	n := copy(dst[:min(len(dst), 7*2)], r.s)
	r.s = r.s[n:]
	return n / 2, nil
}

func TestAnalyze(t *testing.T) {
	// Stereo at 1000 Hz, 10 ms frames of 10 samples: 25 samples make 3
	// frames (the last partial). Left: a full-scale square wave at the
	// Nyquist frequency, which the high-pass lets through (0 dBFS once the
	// filter has settled) and where every sample clips; right: a DC offset of
	// 0.1, which the high-pass removes.
	var s []float32
	for i := range 25 {
		v := float32(1)
		if i%2 == 1 {
			v = -1
		}
		s = append(s, v, 0.1)
	}
	for _, ahead := range []bool{false, true} {
		chans, err := Analyze(&sliceReader{slices.Clone(s)}, 2, 1000, NewConfig(lexicon.DefaultSettings), ahead)
		if err != nil {
			t.Fatal(err)
		}
		checkSquareAndDC(t, chans)
	}
	if _, err := Analyze(&sliceReader{}, 0, 8000, NewConfig(lexicon.DefaultSettings), false); err == nil {
		t.Error("no error for zero channels")
	}
}

func checkSquareAndDC(t *testing.T, chans []Channel) {
	t.Helper()
	left, right := chans[0], chans[1]
	if left.Clipped != 25 || left.Silent || math.Abs(left.DC-0.04) > 1e-6 {
		t.Errorf("left %+v", left)
	}
	if right.Clipped != 0 || right.Silent || math.Abs(right.DC-0.1) > 1e-6 {
		t.Errorf("right %+v", right)
	}
}

// TestHighPass: mains hum is held down, the telephone band passes.
func TestHighPass(t *testing.T) {
	for _, rate := range []int{8000, 16000, 48000} {
		level := func(hz float64) float64 {
			s := make([]float32, 2*rate)
			for i := range s {
				s[i] = float32(math.Sin(2 * math.Pi * hz * float64(i) / float64(rate)))
			}
			d := New(rate, 1, NewConfig(lexicon.DefaultSettings))
			d.Write(s)
			return float64(d.ch[0].at(150).db[full]) + 3.01 // a full-scale sine is -3 dBFS
		}
		if l := level(50); l > -20 {
			t.Errorf("%d Hz: 50 Hz hum at %.1f dB, want below -20", rate, l)
		}
		for _, hz := range []float64{400, 1000, 3000} {
			if l := level(hz); math.Abs(l) > 0.5 {
				t.Errorf("%d Hz: %v Hz at %.1f dB, want 0", rate, hz, l)
			}
		}
	}
}

type monoReader struct{ s []float32 }

func (r *monoReader) Read(dst []float32) (int, error) {
	if len(r.s) == 0 {
		return 0, io.EOF
	}
	n := copy(dst, r.s)
	r.s = r.s[n:]
	return n, nil
}

// TestHum: a mains tone is found with its frequency and level; a voice
// with a 120 Hz fundamental and white noise are not hum.
func TestHum(t *testing.T) {
	const rate, seconds = 8000, 30
	signal := func(f func(t float64) float64) []float32 {
		s := make([]float32, rate*seconds)
		for i := range s {
			s[i] = float32(f(float64(i) / rate))
		}
		return s
	}
	rng := rand.New(rand.NewPCG(5, 6))
	tests := []struct {
		name  string
		s     []float32
		hz    int
		level float64
	}{
		{"50 Hz at -30 dBFS", signal(func(t float64) float64 { return math.Sqrt2 * 0.0316 * math.Sin(2*math.Pi*50*t) }), 50, -30},
		{"60 Hz at -40 dBFS with noise", signal(func(t float64) float64 {
			return math.Sqrt2*0.01*math.Sin(2*math.Pi*60*t) + 0.003*(rng.Float64()*2-1)
		}), 60, -40},
		{"quiet 50 Hz", signal(func(t float64) float64 { return math.Sqrt2 * 0.001 * math.Sin(2*math.Pi*50*t) }), 0, 0},
		{"voice", signal(func(t float64) float64 {
			return 0.2 * (math.Sin(2*math.Pi*120*t) + 0.5*math.Sin(2*math.Pi*240*t) + 0.3*math.Sin(2*math.Pi*360*t))
		}), 0, 0},
		{"white noise", signal(func(float64) float64 { return 0.05 * (rng.Float64()*2 - 1) }), 0, 0},
	}
	for _, tt := range tests {
		chans, err := Analyze(&monoReader{tt.s}, 1, rate, NewConfig(lexicon.DefaultSettings), false)
		if err != nil {
			t.Fatal(err)
		}
		h := chans[0].Hum
		if h.Hz != tt.hz || (tt.hz != 0 && math.Abs(h.Level-tt.level) > 1.5) {
			t.Errorf("%s: hum %+v, want %d Hz at %v dBFS", tt.name, h, tt.hz, tt.level)
		}
	}
}

// panicky is a decoder that fails with a panic after a few reads.
type panicky struct{ reads int }

func (p *panicky) Read(dst []float32) (int, error) {
	if p.reads++; p.reads > 3 {
		panic("bad block")
	}
	return len(dst) / 2, nil
}

// TestAnalyzeRecoversDecoderPanic: a panic in the decoder, on the read-ahead
// goroutine or inline, is the recording's error and not a crash.
func TestAnalyzeRecoversDecoderPanic(t *testing.T) {
	_, err := Analyze(&panicky{}, 2, 8000, NewConfig(lexicon.DefaultSettings), true)
	if err == nil || !strings.Contains(err.Error(), "bad block") {
		t.Fatalf("read ahead: err = %v, want the panic as an error", err)
	}
}

// TestLevelHistFloor: the floor from the followed percentiles is the floor
// a scan of the histogram gives, through a window of levels that slides,
// steps and empties.
func TestLevelHistFloor(t *testing.T) {
	scan := func(h *levelHist, k, most float32) float32 {
		r1, r10 := h.n/100, h.n/10
		var seen int32
		var p1 float32
		found := false
		for b := range histBins {
			seen += h.count[b]
			level := histLowDB + (float32(b)+0.5)*histStep
			if !found && seen > r1 {
				p1, found = level, true
			}
			if seen > r10 {
				return p1 + k*min(most, (level-p1)/1.05)
			}
		}
		return p1
	}
	rng := rand.New(rand.NewPCG(5, 6))
	h := newLevelHist()
	var window []float32
	for i := range 20000 {
		base := float32(-60)
		if (i/3000)%2 == 1 {
			base = -35 // a step in the background
		}
		v := base + float32(rng.NormFloat64()*3)
		if i%997 == 0 {
			v = -200 // far below the histogram: its lowest bin
		}
		h.add(v)
		window = append(window, v)
		for len(window) > 400 || (i/5000)%2 == 1 && len(window) > 3 {
			h.remove(window[0])
			window = window[1:]
		}
		got, ok := h.floor(2, 6)
		if want := scan(&h, 2, 6); !ok || got != want {
			t.Fatalf("level %d: floor %v (%v), a scan gives %v", i, got, ok, want)
		}
	}
	for _, v := range window {
		h.remove(v)
	}
	if _, ok := h.floor(2, 6); ok {
		t.Error("an empty window has a floor")
	}
}

// TestPeaks checks the sliding maximum against a scan of the window, asked
// at frames that skip ahead by various steps, near the end of the stream
// too.
func TestPeaks(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	const n, lag = 3000, 25
	s := newChannel(n)
	for i := range n {
		s.at(i).db[full] = float32(r.IntN(40) - 60) // ties too
	}
	var p peaks
	for at := 0; at < n; at += 1 + r.IntN(3)*r.IntN(40) {
		want := float32(-200)
		for k := max(0, at-lag); k <= min(at+2, n-1); k++ {
			want = max(want, s.at(k).db[full])
		}
		if got := p.max(s, at, lag, n); got != want {
			t.Fatalf("frame %d: %v, the window's loudest is %v", at, got, want)
		}
	}
}
