package rules

import (
	"github.com/callqa/callqa/lexicon"
	"github.com/callqa/callqa/pipeline/stage/features"
	"github.com/callqa/callqa/pipeline/timeline"
)

// AudioMeasures is what the audio stage found in a call, for audio rules.
// Pointers are nil where the value is unknown (no parties in a mono
// recording without transcript).
type AudioMeasures struct {
	Duration           float64
	Silences           []timeline.Interval // every silence inside the conversation
	Overtalk           []features.Episode  // episodes of at least overtalk_min_s
	AgentTalkS         *float64
	CustomerTalkS      *float64
	AgentSpeechRateCPM *float64
}

// Audio checks the audio rules. Each hit carries its times and the
// measured Value (seconds, ratio or characters per minute).
func (m *Matcher) Audio(a AudioMeasures) []Hit {
	var hits []Hit
	for i := range m.lex.Rules {
		r := &m.lex.Rules[i]
		if r.Kind != lexicon.KindAudio {
			continue
		}
		hit := func(iv timeline.Interval, value float64) {
			hits = append(hits, Hit{
				RuleID: r.ID, Kind: r.Kind, Category: r.Category, Severity: r.Severity, Speaker: r.Speaker,
				Start: iv.Start, End: iv.End, Timed: true, SegmentIndex: -1, Value: value, HasValue: true,
			})
		}
		atLeast := func(v, fallback float64) bool {
			if r.Min != nil {
				return v >= *r.Min
			}
			return v >= fallback
		}
		outside := func(v float64) bool {
			return r.Min != nil && v < *r.Min || r.Max != nil && v > *r.Max
		}
		whole := timeline.Interval{Start: 0, End: a.Duration}
		switch r.Metric {
		case lexicon.MetricDeadAir:
			for _, s := range a.Silences {
				if atLeast(s.Len(), m.settings.DeadAirMinS) {
					hit(s, s.Len())
				}
			}
		case lexicon.MetricOvertalk:
			for _, e := range a.Overtalk {
				if atLeast(e.Len(), m.settings.OvertalkMinS) {
					hit(e.Interval, e.Len())
				}
			}
		case lexicon.MetricAgentInterruption:
			for _, e := range a.Overtalk {
				if e.Interruption && e.StartedBy == features.Agent && atLeast(e.Len(), 0) {
					hit(e.Interval, e.Len())
				}
			}
		case lexicon.MetricAgentTalkRatio:
			if a.AgentTalkS != nil && a.CustomerTalkS != nil && *a.AgentTalkS+*a.CustomerTalkS > 0 {
				if ratio := *a.AgentTalkS / (*a.AgentTalkS + *a.CustomerTalkS); outside(ratio) {
					hit(whole, ratio)
				}
			}
		case lexicon.MetricAgentSpeechRate:
			if a.AgentSpeechRateCPM != nil && outside(*a.AgentSpeechRateCPM) {
				hit(whole, *a.AgentSpeechRateCPM)
			}
		}
	}
	return hits
}
