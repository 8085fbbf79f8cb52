package vad

import (
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/callqa/callqa/lexicon"
	"github.com/callqa/callqa/pipeline/timeline"
)

// levelsFor builds frame levels: noise at floorDB, speech at speechDB
// inside the given intervals (10 ms frames).
func levelsFor(total float64, floorDB, speechDB float32, speech ...timeline.Interval) []float32 {
	n := int(total / 0.01)
	out := make([]float32, n)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range out {
		at := float64(i) * 0.01
		out[i] = floorDB + float32(rng.Float64()*3)
		for _, s := range speech {
			if at >= s.Start && at < s.End {
				out[i] = speechDB + float32(rng.Float64()*6)
			}
		}
	}
	return out
}

func iv(s, e float64) timeline.Interval { return timeline.Interval{Start: s, End: e} }

func near(a, b timeline.Interval) bool {
	return math.Abs(a.Start-b.Start) <= 0.05 && math.Abs(a.End-b.End) <= 0.05
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name            string
		floor, speechDB float32
		speech          []timeline.Interval
		want            []timeline.Interval
	}{
		{"clean", -70, -20, []timeline.Interval{iv(1, 3), iv(5, 6)}, []timeline.Interval{iv(1, 3), iv(5, 6)}},
		{"noisy line", -35, -15, []timeline.Interval{iv(1, 3), iv(5, 6)}, []timeline.Interval{iv(1, 3), iv(5, 6)}},
		{"pause bridged", -70, -20, []timeline.Interval{iv(1, 2), iv(2.2, 3)}, []timeline.Interval{iv(1, 3)}},
		{"click dropped", -70, -20, []timeline.Interval{iv(1, 1.05), iv(4, 5)}, []timeline.Interval{iv(4, 5)}},
		{"silent channel", -90, -90, nil, nil},
		{"quiet talker", -75, -45, []timeline.Interval{iv(2, 4)}, []timeline.Interval{iv(2, 4)}},
		{"10 dB SNR", -40, -30, []timeline.Interval{iv(2, 4)}, []timeline.Interval{iv(2, 4)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Detect(levelsFor(10, tt.floor, tt.speechDB, tt.speech...), NewConfig(lexicon.DefaultSettings))
			if len(got) != len(tt.want) {
				t.Fatalf("Detect = %v, want %v", got, tt.want)
			}
			for i := range got {
				if !near(got[i], tt.want[i]) {
					t.Errorf("interval %d = %v, want %v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

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
		chans, err := Analyze(&sliceReader{slices.Clone(s)}, 2, 1000, 0.01, ahead)
		if err != nil {
			t.Fatal(err)
		}
		checkSquareAndDC(t, chans)
	}
	if _, err := Analyze(&sliceReader{}, 0, 8000, 0.01, false); err == nil {
		t.Error("no error for zero channels")
	}
}

func checkSquareAndDC(t *testing.T, chans []Channel) {
	t.Helper()
	left, right := chans[0], chans[1]
	if len(left.Levels) != 3 || len(right.Levels) != 3 {
		t.Fatalf("levels %d/%d frames", len(left.Levels), len(right.Levels))
	}
	if math.Abs(float64(left.Levels[1])) > 0.01 || left.Clipped != 25 || left.Silent() || math.Abs(left.DC-0.04) > 1e-6 {
		t.Errorf("left %+v (want 0 dBFS from the second frame)", left)
	}
	if right.Levels[2] > -40 || right.Clipped != 0 || math.Abs(right.DC-0.1) > 1e-6 {
		t.Errorf("right %+v", right)
	}
}

func TestNoiseFloorFollowsChangingNoise(t *testing.T) {
	// 60 s: noise at -70 dB for 30 s, then -40 dB (a fan switched on);
	// speech at -20 dB in both halves.
	levels := levelsFor(30, -70, -20, iv(10, 12))
	levels = append(levels, levelsFor(30, -40, -20, iv(10, 12))...)
	got := Detect(levels, NewConfig(lexicon.DefaultSettings))
	want := []timeline.Interval{iv(10, 12), iv(40, 42)}
	if len(got) != 2 || !near(got[0], want[0]) || !near(got[1], want[1]) {
		t.Errorf("Detect = %v, want %v", got, want)
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
			chans, err := Analyze(&monoReader{s}, 1, rate, 0.01, rate == 8000)
			if err != nil {
				t.Fatal(err)
			}
			return float64(chans[0].Levels[150]) + 3.01 // a full-scale sine is -3 dBFS
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

func TestNth(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for n := 1; n < 300; n += 7 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.IntN(20)) // many ties
		}
		sorted := slices.Clone(v)
		slices.Sort(sorted)
		for _, k := range []int{0, n / 10, n / 2, n - 1} {
			if got := nth(slices.Clone(v), k); got != sorted[k] {
				t.Fatalf("n=%d k=%d: nth = %v, want %v", n, k, got, sorted[k])
			}
		}
	}
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
		chans, err := Analyze(&monoReader{tt.s}, 1, rate, 0.01, false)
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
	_, err := Analyze(&panicky{}, 2, 8000, 0.01, true)
	if err == nil || !strings.Contains(err.Error(), "bad block") {
		t.Fatalf("read ahead: err = %v, want the panic as an error", err)
	}
}
