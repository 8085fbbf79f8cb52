package speechmix

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/callqa/callqa/pipeline/timeline"
)

// tone is a labelled clip: a 300 Hz tone where the labels say speech and a
// faint constant elsewhere, so that digital silence has something to remove.
func tone(name string, seconds float64, speech ...timeline.Interval) Clip {
	const rate = 8000
	c := Clip{Name: name, Rate: rate, Samples: make([]float64, int(seconds*rate)), Speech: speech}
	for i := range c.Samples {
		t := float64(i) / rate
		c.Samples[i] = 0.001
		if inside(speech, t) {
			c.Samples[i] = 0.3 * math.Sin(2*math.Pi*300*t)
		}
	}
	return c
}

func TestMix(t *testing.T) {
	a := tone("a", 2, timeline.Interval{Start: 0.5, End: 1.5})
	b := tone("b", 2, timeline.Interval{Start: 0.2, End: 1.0})
	turns := []Turn{{Clip: a, Party: Agent, At: 1}, {Clip: b, Party: Customer, At: 2}}
	samples, truth := Mix(turns, 5, Options{Rate: 8000, LeakDB: -20, DigitalSilence: true, Lines: [2]Line{Customer: {NoiseDBFS: -40}}})
	if len(samples) != 2*5*8000 {
		t.Fatalf("%d samples", len(samples))
	}
	want := [2][]timeline.Interval{{{Start: 1.5, End: 2.5}}, {{Start: 2.2, End: 3.0}}}
	for p := range want {
		if len(truth[p]) != 1 || math.Abs(truth[p][0].Start-want[p][0].Start) > 1e-9 || math.Abs(truth[p][0].End-want[p][0].End) > 1e-9 {
			t.Errorf("party %d truth %v, want %v", p, truth[p], want[p])
		}
	}
	at := func(s float64, ch int) float64 { return samples[2*int(s*8000)+ch] }
	// Digital silence: the agent's clip is exactly zero outside its speech,
	// and so is the agent's line outside the echo of the customer.
	if v := at(1.2, Agent); v != 0 {
		t.Errorf("agent at 1.2 s (clip pause) = %g, want exactly 0", v)
	}
	rms := func(from, to float64, ch int) float64 {
		var sum float64
		n := 0
		for s := from; s < to; s += 1.0 / 8000 {
			sum += at(s, ch) * at(s, ch)
			n++
		}
		return math.Sqrt(sum / float64(n))
	}
	if r := rms(1.6, 2.4, Agent); math.Abs(r-0.3/math.Sqrt2) > 0.01 {
		t.Errorf("agent speech RMS %.3f, want %.3f", r, 0.3/math.Sqrt2)
	}
	// The agent leaks into the customer's line 20 dB down, over the noise.
	if r := rms(1.6, 2.1, Customer); math.Abs(r-math.Hypot(0.03/math.Sqrt2, 0.01)) > 0.003 {
		t.Errorf("customer line during the agent's speech RMS %.4f, want the leak and the noise", r)
	}
	if r := rms(4, 5, Customer); math.Abs(r-0.01) > 0.001 {
		t.Errorf("customer background RMS %.4f, want 0.01 (-40 dBFS)", r)
	}
}

func TestConversation(t *testing.T) {
	clips := []Clip{tone("a", 3, timeline.Interval{Start: 0.5, End: 2.5}), tone("b", 2, timeline.Interval{Start: 0.2, End: 1.8})}
	turns := Conversation(clips, 20, 0.6)
	if len(turns) < 8 {
		t.Fatalf("%d turns", len(turns))
	}
	_, truth := Mix(turns, 20, Options{Rate: 8000})
	over := timeline.Intersect(truth[Agent], truth[Customer])
	var total float64
	for _, o := range over {
		total += o.End - o.Start
	}
	// Every customer turn starts 0.6 s before the agent's ends.
	if n := len(turns) / 2; math.Abs(total-0.6*float64(n)) > 0.6+1e-9 {
		t.Errorf("overtalk %.2f s over %d exchanges, want 0.6 s each", total, n)
	}
	for i, tu := range turns {
		if tu.Party != i%2 {
			t.Errorf("turn %d by party %d", i, tu.Party)
		}
	}
	if Conversation([]Clip{{Name: "mute", Rate: 8000}}, 10, 0) != nil {
		t.Error("clips without speech make turns")
	}
}

func TestParseLabels(t *testing.T) {
	got, err := ParseLabels("x,0,1.5,0,1.5,2.25,1,2.25,3,0,3,4,1\n")
	if err != nil || len(got) != 2 || got[0] != (timeline.Interval{Start: 1.5, End: 2.25}) || got[1] != (timeline.Interval{Start: 3, End: 4}) {
		t.Errorf("%v %v", got, err)
	}
	if _, err := ParseLabels("x,0,a,1"); err == nil {
		t.Error("a bad number read")
	}
}

// TestReadDir reads the real labelled speech beside the project, when it
// is there.
func TestReadDir(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "..", "..", "shared", "fixtures", "speech")
	if _, err := os.Stat(dir); err != nil {
		t.Skip("no ../shared/fixtures/speech beside the project")
	}
	clips, err := ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(clips) == 0 || clips[0].Rate != 16000 || len(clips[0].Speech) == 0 {
		t.Fatalf("%d clips, first %+v", len(clips), clips[0].Name)
	}
	half := Halve(clips[0])
	if half.Rate != 8000 || len(half.Samples) != len(clips[0].Samples)/2 {
		t.Errorf("halved: %d Hz, %d samples", half.Rate, len(half.Samples))
	}
}

func inside(ivs []timeline.Interval, t float64) bool {
	for _, iv := range ivs {
		if t >= iv.Start && t < iv.End {
			return true
		}
	}
	return false
}
