package audio

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/callqa/callqa/pipeline/stage/decode"

	"github.com/callqa/callqa/internal/samplegen"
	"github.com/callqa/callqa/lexicon"
	"github.com/callqa/callqa/pipeline/stage/features"
	"github.com/callqa/callqa/pipeline/stage/vad/speechmix"
	"github.com/callqa/callqa/pipeline/timeline"
)

// speechFixtures is the real labelled speech beside the project (licence:
// use it here, never copy it into the repository); tests skip without it.
const speechFixtures = "../../../../shared/fixtures/speech"

// clip is one real recording at 8 kHz with its hand-labelled speech.
type clip struct {
	name    string
	samples []float64
	speech  []timeline.Interval
}

func loadClip(t *testing.T, name string) clip {
	t.Helper()
	c, err := speechmix.ReadClip(filepath.Join(speechFixtures, name+".wav"))
	if err != nil {
		t.Fatal(err)
	}
	c = speechmix.Halve(c)
	return clip{name: c.Name, samples: c.Samples, speech: c.Speech}
}

// realCall is a stereo call built from two real clips: the customer starts
// talking overlap seconds before the agent's last labelled word ends.
type realCall struct {
	agent, customer clip
	overlap         float64
}

// build renders the call at 8 kHz with what real lines add: each party
// leaking into the other's channel at -25 dB (line echo), and a customer
// background that steps between about -62 and -49 dBFS every 3 s. It
// returns the interleaved samples and each party's true speech, shifted to
// the call's time.
func (c realCall) build() (samples []float64, agent, customer []timeline.Interval) {
	const rate = 8000.0
	agentAt := 0.5
	agentEnd := agentAt + c.agent.speech[len(c.agent.speech)-1].End
	customerAt := agentEnd - c.overlap - c.customer.speech[0].Start
	length := max(agentAt+float64(len(c.agent.samples))/rate, customerAt+float64(len(c.customer.samples))/rate) + 1
	n := int(length * rate)
	samples = make([]float64, 2*n)
	leak := math.Pow(10, -25.0/20)
	put := func(x []float64, at float64, own, other int) {
		start := int(at * rate)
		for i, v := range x {
			if k := start + i; k >= 0 && k < n {
				samples[2*k+own] += v
				samples[2*k+other] += leak * v
			}
		}
	}
	put(c.agent.samples, agentAt, 0, 1)
	put(c.customer.samples, customerAt, 1, 0)
	rng := rand.New(rand.NewPCG(uint64(len(c.agent.samples)), uint64(len(c.customer.samples))))
	for k := range n {
		level := -62.0
		if int(float64(k)/rate/3)%2 == 1 {
			level = -49
		}
		samples[2*k+1] += rng.NormFloat64() * math.Pow(10, level/20)
		samples[2*k] += rng.NormFloat64() * math.Pow(10, -70.0/20)
	}
	shift := func(ivs []timeline.Interval, by float64) []timeline.Interval {
		out := make([]timeline.Interval, len(ivs))
		for i, iv := range ivs {
			out[i] = timeline.Interval{Start: iv.Start + by, End: iv.End + by}
		}
		return out
	}
	return samples, shift(c.agent.speech, agentAt), shift(c.customer.speech, customerAt)
}

// bridged is speech as the definitions count it: pauses shorter than
// minSilence belong to the talk around them.
func bridged(ivs []timeline.Interval, minSilence float64) []timeline.Interval {
	var out []timeline.Interval
	for _, iv := range ivs {
		if k := len(out) - 1; k >= 0 && iv.Start-out[k].End < minSilence {
			out[k].End = max(out[k].End, iv.End)
			continue
		}
		out = append(out, iv)
	}
	return out
}

// TestStereoCallsFromRealSpeech checks talk time, overtalk and
// interruptions on stereo calls built from real labelled speech against
// what the labels say, within 10 % of talk time and 0.3 s per overtalk
// episode (issue 13).
func TestStereoCallsFromRealSpeech(t *testing.T) {
	if _, err := os.Stat(speechFixtures); err != nil {
		t.Skip("no ../shared/fixtures/speech beside the project")
	}
	settings := lexicon.DefaultSettings
	cfg := features.Config{DeadAirMinS: settings.DeadAirMinS, OvertalkMinS: settings.OvertalkMinS, BackchannelMaxS: settings.BackchannelMaxS}
	calls := []realCall{
		{overlap: 0.5}, // shorter than overtalk_min_s: no episode
		{overlap: 1.5},
		{overlap: 2},
		{overlap: 3},
	}
	pairs := [][2]string{{"testset-audio-01", "testset-audio-03"}, {"testset-audio-05", "testset-audio-07"}, {"testset-audio-09", "testset-audio-11"}, {"testset-audio-13", "testset-audio-19"}}
	for i := range calls {
		calls[i].agent, calls[i].customer = loadClip(t, pairs[i][0]), loadClip(t, pairs[i][1])
	}
	for _, c := range calls {
		t.Run(fmt.Sprintf("%s+%s overlapping %.1fs", c.agent.name, c.customer.name, c.overlap), func(t *testing.T) {
			samples, agentTruth, customerTruth := c.build()
			path := filepath.Join(t.TempDir(), "call.wav")
			if err := os.WriteFile(path, samplegen.EncodeWAV(samples, 2, 8000, "pcm16"), 0o644); err != nil {
				t.Fatal(err)
			}
			rec, err := Analyze(path, NewConfig(settings, false, decode.Options{}))
			if err != nil {
				t.Fatal(err)
			}
			agentTruth, customerTruth = bridged(agentTruth, settings.VADMinSilenceS), bridged(customerTruth, settings.VADMinSilenceS)
			agent, customer := rec.Channels[0].Speech, rec.Channels[1].Speech
			for _, p := range []struct {
				who        string
				got, truth []timeline.Interval
			}{{"agent", agent, agentTruth}, {"customer", customer, customerTruth}} {
				got, want := timeline.Total(p.got), timeline.Total(p.truth)
				if math.Abs(got-want) > 0.1*want {
					t.Errorf("%s talk %.2f s, labels say %.2f s (more than 10 %% apart)", p.who, got, want)
				}
			}
			want := features.MeasureOvertalk(agentTruth, customerTruth, cfg)
			got := features.MeasureOvertalk(agent, customer, cfg)
			if len(got.Episodes) != len(want.Episodes) {
				t.Fatalf("%d overtalk episodes %v, labels say %d %v", len(got.Episodes), got.Episodes, len(want.Episodes), want.Episodes)
			}
			for i, w := range want.Episodes {
				g := got.Episodes[i]
				if math.Abs(g.Start-w.Start) > 0.3 || math.Abs(g.End-w.End) > 0.3 || g.StartedBy != w.StartedBy {
					t.Errorf("overtalk %.2f–%.2f started by %v, labels say %.2f–%.2f by %v", g.Start, g.End, g.StartedBy, w.Start, w.End, w.StartedBy)
				}
			}
			if got.InterruptionsByAgent != want.InterruptionsByAgent || got.InterruptionsByCustomer != want.InterruptionsByCustomer {
				t.Errorf("interruptions by agent/customer %d/%d, labels say %d/%d", got.InterruptionsByAgent, got.InterruptionsByCustomer, want.InterruptionsByAgent, want.InterruptionsByCustomer)
			}
		})
	}
}
