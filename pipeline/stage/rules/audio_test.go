package rules

import (
	"math"
	"slices"
	"testing"

	"github.com/callqa/callqa/pipeline/stage/features"
	"github.com/callqa/callqa/pipeline/timeline"
)

func TestAudioRules(t *testing.T) {
	m := Compile(parse(t, `
name: x
settings: {dead_air_min_s: 5}
rules:
  - {id: dead, kind: audio, metric: dead_air, penalty: 1}
  - {id: dead-long, kind: audio, metric: dead_air, min: 10, penalty: 1}
  - {id: over, kind: audio, metric: overtalk, min: 1.5, penalty: 1}
  - {id: cut, kind: audio, metric: agent_interruption, penalty: 1}
  - {id: ratio, kind: audio, metric: agent_talk_ratio, min: 0.2, max: 0.8, penalty: 1}
  - {id: rate, kind: audio, metric: agent_speech_rate, max: 300, penalty: 1}
`))
	iv := func(s, e float64) timeline.Interval { return timeline.Interval{Start: s, End: e} }
	f := func(v float64) *float64 { return &v }
	hits := m.Audio(AudioMeasures{
		Duration: 100,
		Silences: []timeline.Interval{iv(10, 12), iv(20, 26), iv(40, 52)},
		Overtalk: []features.Episode{
			{Interval: iv(60, 61.2), StartedBy: features.Agent, Interruption: true},
			{Interval: iv(70, 72), StartedBy: features.Customer, Interruption: true},
		},
		AgentTalkS: f(45), CustomerTalkS: f(5), // ratio 0.9
		AgentSpeechRateCPM: f(250),
	})
	type got struct {
		id         string
		start, val float64
	}
	var all []got
	for _, h := range hits {
		if !h.HasValue || h.SegmentIndex != -1 || !h.Timed {
			t.Errorf("hit %+v", h)
		}
		all = append(all, got{h.RuleID, h.Start, math.Round(h.Value*100) / 100})
	}
	want := []got{
		{"dead", 20, 6}, {"dead", 40, 12}, {"dead-long", 40, 12},
		{"over", 70, 2},
		{"cut", 60, 1.2},
		{"ratio", 0, 0.9},
	}
	if !slices.Equal(all, want) {
		t.Errorf("hits\n got %v\nwant %v", all, want)
	}
	// Unknown parties: no ratio or rate hits, no panic.
	if hits := m.Audio(AudioMeasures{Duration: 10}); len(hits) != 0 {
		t.Errorf("hits without measures: %+v", hits)
	}
}
