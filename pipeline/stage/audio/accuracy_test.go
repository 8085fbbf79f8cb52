package audio

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callqa/callqa/lexicon"
	"github.com/callqa/callqa/pipeline/stage/decode"

	"github.com/callqa/callqa/internal/samplegen"
	"github.com/callqa/callqa/pipeline/stage/features"
	"github.com/callqa/callqa/pipeline/stage/vad"
	"github.com/callqa/callqa/pipeline/timeline"
)

// tolerance is how far a found boundary may be from the true one.
const tolerance = 0.3

var featureCfg = features.Config{DeadAirMinS: 5, OvertalkMinS: 1, BackchannelMaxS: 0.5}

// truth is what the turns say, by the definitions.
func truthOf(turns []samplegen.Turn) (agent, customer []timeline.Interval) {
	for _, t := range turns {
		// The detector widens speech as hand labels of real speech do.
		iv := timeline.Interval{Start: t.Start - vad.PadS, End: t.End + vad.HangS}
		if t.Speaker == "agent" {
			agent = append(agent, iv)
		} else {
			customer = append(customer, iv)
		}
	}
	return timeline.Union(agent), timeline.Union(customer)
}

func analyzeSample(t *testing.T, s samplegen.Sample) *Recording {
	t.Helper()
	path := filepath.Join(t.TempDir(), s.Name+".wav")
	if err := os.WriteFile(path, s.WAV(), 0o644); err != nil {
		t.Fatal(err)
	}
	rec, err := Analyze(path, NewConfig(lexicon.DefaultSettings, false, decode.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// sameIntervals checks that every true interval was found, with both ends
// within tolerance, and nothing else.
func sameIntervals(t *testing.T, what string, got, want []timeline.Interval) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: found %d, want %d:\n got %v\nwant %v", what, len(got), len(want), got, want)
		return
	}
	for i := range got {
		if math.Abs(got[i].Start-want[i].Start) > tolerance || math.Abs(got[i].End-want[i].End) > tolerance {
			t.Errorf("%s %d: %.2f-%.2f, want %.2f-%.2f", what, i, got[i].Start, got[i].End, want[i].Start, want[i].End)
		}
	}
}

func overtalkIntervals(o features.Overtalk) []timeline.Interval {
	var out []timeline.Interval
	for _, e := range o.Episodes {
		out = append(out, e.Interval)
	}
	return out
}

func within5(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 0.05*want {
		t.Errorf("%s = %.2f s, want %.2f s ± 5%%", what, got, want)
	}
}

// TestAccuracy renders one conversation under the conditions telephone
// recordings have and checks every silence and overtalk episode, the counts
// and the talk times against the truth.
func TestAccuracy(t *testing.T) {
	conv := samplegen.Conversation()
	longDeadAir := append([]samplegen.Turn{}, conv[:4]...)
	for _, turn := range conv[4:] {
		turn.Start, turn.End = turn.Start+17, turn.End+17 // the dead air grows to 25 s
		longDeadAir = append(longDeadAir, turn)
	}
	tests := []struct {
		name     string
		rate     int
		channels int
		turns    []samplegen.Turn
		audio    samplegen.Audio
		warning  string // a recording warning that must be given
	}{
		{"clean", 8000, 2, conv, samplegen.Audio{}, ""},
		{"noise 10 dB SNR", 8000, 2, conv, samplegen.Audio{SNRDB: 10}, ""},
		{"hum and quiet agent", 8000, 2, conv, samplegen.Audio{HumDBFS: -30, AgentGainDB: -20}, "the left channel has 50 Hz mains hum at -30 dBFS"},
		{"mu-law with noise", 8000, 2, conv, samplegen.Audio{Encoding: "mulaw", SNRDB: 20}, ""},
		{"A-law", 8000, 2, conv, samplegen.Audio{Encoding: "alaw"}, ""},
		{"float", 8000, 2, conv, samplegen.Audio{Encoding: "float32"}, ""},
		{"24-bit with DC offset", 8000, 2, conv, samplegen.Audio{Encoding: "pcm24", DC: 0.05}, "DC offset of +0.050"},
		{"8-bit", 8000, 2, conv, samplegen.Audio{Encoding: "pcm8", SNRDB: 25}, ""},
		{"clipped customer", 8000, 2, conv, samplegen.Audio{CustomerGain: 4}, "the right channel is clipped"},
		{"mono 16 kHz", 16000, 1, conv, samplegen.Audio{SNRDB: 15}, ""},
		{"long dead air", 8000, 2, longDeadAir, samplegen.Audio{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := samplegen.Sample{
				Name: strings.ReplaceAll(tt.name, " ", "-"), DurationS: 90, SampleRate: tt.rate,
				Channels: tt.channels, Turns: tt.turns, Audio: tt.audio,
			}
			rec := analyzeSample(t, s)
			agent, customer := truthOf(tt.turns)
			wantSil := features.MeasureSilence(timeline.Union(agent, customer), featureCfg)
			gotSil := features.MeasureSilence(timeline.Union(rec.Speech()...), featureCfg)
			sameIntervals(t, "silence", gotSil.Intervals, wantSil.Intervals)
			if len(gotSil.DeadAir) != len(wantSil.DeadAir) {
				t.Errorf("dead air %d, want %d", len(gotSil.DeadAir), len(wantSil.DeadAir))
			}
			if math.Abs(gotSil.LongestS-wantSil.LongestS) > tolerance {
				t.Errorf("longest silence %.2f, want %.2f", gotSil.LongestS, wantSil.LongestS)
			}
			if tt.warning != "" && !strings.Contains(strings.Join(rec.Warnings, "\n"), tt.warning) {
				t.Errorf("warnings %q lack %q", rec.Warnings, tt.warning)
			} else if tt.warning == "" && len(rec.Warnings) > 0 {
				t.Errorf("unexpected warnings %q", rec.Warnings)
			}
			if tt.channels == 1 {
				return // per-party measures come from the transcript
			}
			gotA, gotC := rec.Channels[0].Speech, rec.Channels[1].Speech
			sameIntervals(t, "agent speech", gotA, agent)
			sameIntervals(t, "customer speech", gotC, customer)
			within5(t, "agent talk", timeline.Total(gotA), timeline.Total(agent))
			within5(t, "customer talk", timeline.Total(gotC), timeline.Total(customer))
			wantOT := features.MeasureOvertalk(agent, customer, featureCfg)
			gotOT := features.MeasureOvertalk(gotA, gotC, featureCfg)
			sameIntervals(t, "overtalk", overtalkIntervals(gotOT), overtalkIntervals(wantOT))
			if gotOT.InterruptionsByAgent != 1 || gotOT.InterruptionsByCustomer != 1 {
				t.Errorf("interruptions %d by agent, %d by customer, want 1 and 1", gotOT.InterruptionsByAgent, gotOT.InterruptionsByCustomer)
			}
		})
	}
}
