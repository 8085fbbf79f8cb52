// Package features turns the speech intervals of the two parties into the
// conversation metrics QA reads: talk time, silence, dead air, talk-over and
// interruptions.
package features

import (
	"github.com/callqa/callqa/pipeline/timeline"
)

// Config holds the thresholds of the metrics, in seconds.
type Config struct {
	// DeadAirMinS: a silence at least this long is dead air.
	DeadAirMinS float64
	// OvertalkMinS: an overlap at least this long is an overtalk episode.
	OvertalkMinS float64
	// BackchannelMaxS: a turn shorter than this that overlaps the other party
	// (嗯, 对, 好的) is a backchannel, not an interruption.
	BackchannelMaxS float64
}

// Silence describes the time inside the conversation where nobody speaks:
// between the first speech and the last (ringing before and the line after
// the last word are not the agent's silence).
type Silence struct {
	TotalS    float64
	LongestS  float64
	DeadAir   []timeline.Interval // silences of at least DeadAirMinS
	Intervals []timeline.Interval // every silence
}

// MeasureSilence finds the silences between the speech of either party.
func MeasureSilence(speech []timeline.Interval, cfg Config) Silence {
	gaps := timeline.Gaps(timeline.Union(speech))
	s := Silence{Intervals: gaps}
	for _, g := range gaps {
		s.TotalS += g.Len()
		s.LongestS = max(s.LongestS, g.Len())
		if g.Len() >= cfg.DeadAirMinS {
			s.DeadAir = append(s.DeadAir, g)
		}
	}
	return s
}

// Party names who started an overtalk episode.
type Party int

// The two parties of a call.
const (
	Agent Party = iota
	Customer
)

// Episode is a stretch where both parties speak at once.
type Episode struct {
	timeline.Interval
	// StartedBy is the party that began speaking while the other was already
	// speaking.
	StartedBy Party
	// Interruption: the episode counts as an interruption by StartedBy (the
	// turn that cut in was no backchannel).
	Interruption bool
}

// Overtalk sums up the talk-over of a call.
type Overtalk struct {
	// TotalS counts only episodes of at least OvertalkMinS, so that the
	// jitter at turn changes does not add up to talk-over.
	TotalS                  float64
	Episodes                []Episode
	InterruptionsByAgent    int
	InterruptionsByCustomer int
}

// MeasureOvertalk finds the overtalk episodes between agent and customer
// speech (each sorted and disjoint).
func MeasureOvertalk(agent, customer []timeline.Interval, cfg Config) Overtalk {
	var o Overtalk
	for _, ov := range timeline.Intersect(agent, customer) {
		if ov.Len() < cfg.OvertalkMinS {
			continue
		}
		a, c := agent[ov.A], customer[ov.B]
		e := Episode{Interval: ov.Interval, StartedBy: Agent}
		cutIn := a
		if c.Start > a.Start {
			e.StartedBy, cutIn = Customer, c
		}
		e.Interruption = cutIn.Len() >= cfg.BackchannelMaxS
		if e.Interruption {
			if e.StartedBy == Agent {
				o.InterruptionsByAgent++
			} else {
				o.InterruptionsByCustomer++
			}
		}
		o.TotalS += e.Len()
		o.Episodes = append(o.Episodes, e)
	}
	return o
}
