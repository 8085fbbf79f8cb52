// Package features turns the speech intervals of the two parties into the
// conversation metrics QA reads: talk time, silence, dead air, talk-over and
// interruptions.
package features

import (
	"math"
	"slices"

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
	TotalS   float64
	LongestS float64
	// P50S and P90S are the median and 90th percentile silence (0 without
	// silences).
	P50S, P90S float64
	DeadAir    []timeline.Interval // silences of at least DeadAirMinS
	Intervals  []timeline.Interval // every silence
}

// MeasureSilence finds the silences between the speech of either party.
func MeasureSilence(speech []timeline.Interval, cfg Config) Silence {
	gaps := timeline.Gaps(timeline.Union(speech))
	s := Silence{Intervals: gaps}
	lens := make([]float64, len(gaps))
	for i, g := range gaps {
		lens[i] = g.Len()
		s.TotalS += g.Len()
		s.LongestS = max(s.LongestS, g.Len())
		if g.Len() >= cfg.DeadAirMinS {
			s.DeadAir = append(s.DeadAir, g)
		}
	}
	s.P50S, s.P90S = percentile(lens, 0.5), percentile(lens, 0.9)
	return s
}

// percentile is the nearest-rank percentile p (0..1] of values, 0 when
// there are none.
func percentile(values []float64, p float64) float64 {
	if len(values) == 0 {
		return 0
	}
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	return sorted[max(0, int(math.Ceil(p*float64(len(sorted))))-1)]
}

// Latency describes how fast the agent answers: from the end of a customer
// turn to the start of the agent's next turn, when the agent waited for the
// customer to finish (a takeover during the customer's speech is overtalk)
// and the customer did not speak again first.
type Latency struct {
	Gaps       []float64 // seconds, in call order
	P50S, P90S float64
	MaxS       float64
}

// MeasureLatency finds the agent's response latencies.
func MeasureLatency(agent, customer []timeline.Interval) Latency {
	var l Latency
	j := 0
	for i, c := range customer {
		for j < len(agent) && agent[j].End <= c.End {
			j++
		}
		if j == len(agent) {
			break
		}
		a := agent[j]
		if a.Start < c.End {
			continue // the agent was already speaking
		}
		if i+1 < len(customer) && customer[i+1].Start < a.Start {
			continue // the customer went on first
		}
		l.Gaps = append(l.Gaps, a.Start-c.End)
		l.MaxS = max(l.MaxS, a.Start-c.End)
	}
	l.P50S, l.P90S = percentile(l.Gaps, 0.5), percentile(l.Gaps, 0.9)
	return l
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
