package vad

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/callqa/callqa/lexicon"
	"github.com/callqa/callqa/pipeline/timeline"
)

// Signal makers shared by the tests. All take the sample rate and a
// seeded random source so that every run sees the same signals.

// noise returns white noise at the given RMS level in dBFS.
func noise(r *rand.Rand, n int, db float64) []float32 {
	a := math.Pow(10, db/20)
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(r.NormFloat64() * a)
	}
	return out
}

// syntheticSpeech is "speech": voiced syllables (harmonics of a gliding pitch with
// a falling spectrum and a raised-cosine envelope) grouped into words with
// pauses. It returns the signal at peak syllable RMS about db dBFS and the
// spans that hold syllables.
func syntheticSpeech(r *rand.Rand, rate int, seconds, db float64) ([]float32, []timeline.Interval) {
	n := int(seconds * float64(rate))
	out := make([]float32, n)
	var spans []timeline.Interval
	a := math.Pow(10, db/20) * math.Sqrt2 / 1.2
	t := 0.3 + r.Float64()*0.3
	for t < seconds-0.5 {
		word := 0.3 + r.Float64()*0.9
		start := t
		for t < start+word && t < seconds-0.3 {
			syl := 0.12 + r.Float64()*0.16
			f0 := 100 + r.Float64()*120
			glide := (r.Float64() - 0.5) * 40
			i0, i1 := int(t*float64(rate)), int((t+syl)*float64(rate))
			phase := 0.0
			for i := i0; i < i1 && i < n; i++ {
				x := float64(i-i0) / float64(i1-i0)
				f := f0 + glide*x
				phase += 2 * math.Pi * f / float64(rate)
				env := 0.5 - 0.5*math.Cos(2*math.Pi*x)
				var s float64
				for h := 1; h <= 12 && float64(h)*f < 0.45*float64(rate); h++ {
					s += math.Sin(float64(h)*phase) / float64(h)
				}
				out[i] += float32(a * env * s)
			}
			t += syl + 0.02 + r.Float64()*0.05
		}
		spans = append(spans, timeline.Interval{Start: start, End: t})
		t += 0.5 + r.Float64()*0.8
	}
	return out, spans
}

// chords is music on hold: sustained chords (four notes, six harmonics
// each) changing every 1.5 s with 20 ms attack and release, at RMS db.
func chords(rate int, seconds, db float64) []float32 {
	progression := [][]float64{
		{261.6, 329.6, 392.0, 523.3}, {220.0, 261.6, 329.6, 440.0},
		{174.6, 220.0, 261.6, 349.2}, {196.0, 246.9, 293.7, 392.0},
	}
	n := int(seconds * float64(rate))
	out := make([]float32, n)
	chordLen := int(1.5 * float64(rate))
	ramp := int(0.02 * float64(rate))
	a := math.Pow(10, db/20) * 0.55
	for i := range out {
		k := i / chordLen
		notes := progression[k%len(progression)]
		j := i - k*chordLen
		env := min(1, float64(j)/float64(ramp), float64(chordLen-j)/float64(ramp))
		tt := float64(i) / float64(rate)
		var s float64
		for _, f := range notes {
			for h := 1; h <= 6 && float64(h)*f < 0.45*float64(rate); h++ {
				s += math.Sin(2*math.Pi*f*float64(h)*tt) / float64(h*h)
			}
		}
		out[i] = float32(a * env * s)
	}
	return out
}

// hum is 50 Hz mains hum with its odd harmonics, at RMS db.
func hum(rate, n int, db float64) []float32 {
	a := math.Pow(10, db/20) * math.Sqrt2 / 1.1
	out := make([]float32, n)
	for i := range out {
		t := float64(i) / float64(rate)
		out[i] = float32(a * (math.Sin(2*math.Pi*50*t) + 0.4*math.Sin(2*math.Pi*150*t) + 0.2*math.Sin(2*math.Pi*250*t)))
	}
	return out
}

// addAt mixes src into dst from sample at.
func addAt(dst, src []float32, at int) {
	for i, v := range src {
		if at+i < len(dst) {
			dst[at+i] += v
		}
	}
}

// detectMono runs the shipped detector over one channel.
func detectMono(rate int, x []float32) []timeline.Interval {
	d := New(rate, 1, NewConfig(lexicon.DefaultSettings))
	d.Write(x)
	return d.Close()[0].Speech
}

// overlap is the seconds of ivs inside [a, b).
func overlap(ivs []timeline.Interval, a, b float64) float64 {
	var s float64
	for _, iv := range ivs {
		s += max(0, min(b, iv.End)-max(a, iv.Start))
	}
	return s
}

func TestSilenceAndZeros(t *testing.T) {
	for _, rate := range []int{8000, 16000} {
		if ivs := detectMono(rate, make([]float32, 30*rate)); len(ivs) != 0 {
			t.Errorf("%d Hz: digital silence gave %v", rate, ivs)
		}
		r := rand.New(rand.NewPCG(1, 2))
		if ivs := detectMono(rate, noise(r, 30*rate, -50)); len(ivs) != 0 {
			t.Errorf("%d Hz: white noise gave %v", rate, ivs)
		}
	}
}

func TestSyntheticSpeechInNoise(t *testing.T) {
	const rate = 8000
	r := rand.New(rand.NewPCG(3, 4))
	for _, snr := range []float64{30, 10} {
		x, spans := syntheticSpeech(r, rate, 30, -20)
		addAt(x, noise(r, len(x), -20-snr), 0)
		got := detectMono(rate, x)
		var want, found float64
		for _, s := range spans {
			want += s.End - s.Start
			found += overlap(got, s.Start, s.End)
		}
		var total float64
		for _, iv := range got {
			total += iv.End - iv.Start
		}
		if found/want < 0.85 || (total-found)/total > 0.25 {
			t.Errorf("SNR %v dB: found %.0f%% of speech, %.0f%% of detection outside it", snr, 100*found/want, 100*(total-found)/total)
		}
	}
}

func TestToneHumMusicAlone(t *testing.T) {
	const rate = 8000
	r := rand.New(rand.NewPCG(5, 6))
	cases := map[string][]float32{
		"hum":   hum(rate, 60*rate, -20),
		"music": chords(rate, 60, -20),
	}
	for name, x := range cases {
		addAt(x, noise(r, len(x), -60), 0)
		got := detectMono(rate, x)
		if s := overlap(got, 0, 60); s > 3 {
			t.Errorf("%s: %.1f s of 60 detected as speech: %v", name, s, got)
		}
	}
}

func TestClicksAndBurstsAlone(t *testing.T) {
	const rate = 8000
	r := rand.New(rand.NewPCG(7, 8))
	x := noise(r, 60*rate, -55)
	for k := 0; k < 40; k++ {
		at := (k*3/2 + 1) * rate / 1
		if k%2 == 0 {
			x[at%len(x)] += 0.8 // click
			x[(at+3)%len(x)] -= 0.6
		} else {
			addAt(x, noise(r, rate*(20+k)/1000, -15), at%len(x)) // 20-60 ms burst
		}
	}
	if got := detectMono(rate, x); len(got) != 0 {
		t.Errorf("clicks and bursts gave %v", got)
	}
}

// TestStreamingMatchesOneWrite: the chunks the decoder hands over do not
// change the result.
func TestStreamingMatchesOneWrite(t *testing.T) {
	const rate = 8000
	r := rand.New(rand.NewPCG(9, 10))
	x, _ := syntheticSpeech(r, rate, 40, -25)
	addAt(x, noise(r, len(x), -55), 0)
	whole := detectMono(rate, x)
	d := New(rate, 1, NewConfig(lexicon.DefaultSettings))
	for i := 0; i < len(x); {
		n := min(len(x)-i, 1+r.IntN(700))
		d.Write(x[i : i+n])
		i += n
	}
	chunked := d.Close()[0].Speech
	if len(whole) == 0 || len(whole) != len(chunked) {
		t.Fatalf("one write: %d intervals, chunks: %d", len(whole), len(chunked))
	}
	for i := range whole {
		if math.Abs(whole[i].Start-chunked[i].Start) > 1e-9 || math.Abs(whole[i].End-chunked[i].End) > 1e-9 {
			t.Errorf("interval %d: %v vs %v", i, whole[i], chunked[i])
		}
	}
}

func TestMemoryFlat(t *testing.T) {
	const rate = 8000
	r := rand.New(rand.NewPCG(11, 12))
	x, _ := syntheticSpeech(r, rate, 20, -25)
	addAt(x, noise(r, len(x), -55), 0)
	stereo := make([]float32, 2*len(x))
	for i, v := range x {
		stereo[2*i], stereo[2*i+1] = v, v*0.5
	}
	// Only the intervals found are kept: noise alone allocates nothing,
	// however long it runs.
	d := New(rate, 2, NewConfig(lexicon.DefaultSettings))
	d.Write(stereo)
	quiet := make([]float32, len(stereo))
	addAt(quiet, noise(r, len(quiet), -60), 0)
	if a := testing.AllocsPerRun(20, func() { d.Write(quiet) }); a != 0 {
		t.Errorf("Write allocates %.0f times per 20 s of stereo noise", a)
	}
}
