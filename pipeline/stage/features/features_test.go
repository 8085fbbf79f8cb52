package features

import (
	"testing"

	"github.com/callqa/callqa/pipeline/timeline"
)

var cfg = Config{DeadAirMinS: 5, OvertalkMinS: 1, BackchannelMaxS: 0.5}

func iv(s, e float64) timeline.Interval { return timeline.Interval{Start: s, End: e} }

func TestMeasureSilence(t *testing.T) {
	// Leading (0-1) and trailing (20-30) quiet is outside the conversation.
	speech := []timeline.Interval{iv(1, 3), iv(2.5, 4), iv(10, 12), iv(12.5, 20)}
	s := MeasureSilence(speech, cfg)
	if s.TotalS != 6.5 || s.LongestS != 6 || len(s.DeadAir) != 1 || s.DeadAir[0] != iv(4, 10) {
		t.Errorf("silence = %+v", s)
	}
	if s := MeasureSilence(nil, cfg); s.TotalS != 0 || len(s.DeadAir) != 0 {
		t.Errorf("no speech: %+v", s)
	}
	// Exactly the threshold is dead air.
	if s := MeasureSilence([]timeline.Interval{iv(0, 1), iv(6, 7)}, cfg); len(s.DeadAir) != 1 {
		t.Errorf("a 5 s silence is not dead air: %+v", s)
	}
}

func TestMeasureOvertalk(t *testing.T) {
	agent := []timeline.Interval{iv(0, 4), iv(8.5, 12), iv(14, 19)}
	customer := []timeline.Interval{iv(3.5, 7), iv(5, 10)}
	customer = timeline.Union(customer, []timeline.Interval{iv(15, 15.3), iv(17, 21)})
	o := MeasureOvertalk(agent, customer, cfg)
	// 3.5-4: 0.5 s, too short; 8.5-10: agent cut in; 15-15.3: backchannel,
	// too short; 17-19: customer cut in.
	if len(o.Episodes) != 2 || o.TotalS != 3.5 {
		t.Fatalf("episodes %+v total %v", o.Episodes, o.TotalS)
	}
	if o.Episodes[0].StartedBy != Agent || o.Episodes[1].StartedBy != Customer {
		t.Errorf("started by %v, %v", o.Episodes[0].StartedBy, o.Episodes[1].StartedBy)
	}
	if o.InterruptionsByAgent != 1 || o.InterruptionsByCustomer != 1 {
		t.Errorf("interruptions %d/%d", o.InterruptionsByAgent, o.InterruptionsByCustomer)
	}
}

func TestBackchannelIsNoInterruption(t *testing.T) {
	// With a low overtalk threshold a 0.4 s "嗯" is an overlap episode, but
	// not an interruption.
	c := Config{OvertalkMinS: 0.2, BackchannelMaxS: 0.5}
	o := MeasureOvertalk([]timeline.Interval{iv(0, 5)}, []timeline.Interval{iv(2, 2.4)}, c)
	if len(o.Episodes) != 1 || o.Episodes[0].Interruption || o.InterruptionsByCustomer != 0 {
		t.Errorf("backchannel counted: %+v", o)
	}
}

func TestSilencePercentiles(t *testing.T) {
	// Gaps of 1, 2, 3, 4 and 10 s.
	speech := []timeline.Interval{iv(0, 1), iv(2, 3), iv(5, 6), iv(9, 10), iv(14, 15), iv(25, 26)}
	s := MeasureSilence(speech, cfg)
	if s.P50S != 3 || s.P90S != 10 || s.LongestS != 10 || len(s.DeadAir) != 1 {
		t.Errorf("silence %+v", s)
	}
}

func TestMeasureLatency(t *testing.T) {
	customer := []timeline.Interval{iv(2, 4), iv(6, 8), iv(10, 12), iv(12.5, 14), iv(20, 22)}
	agent := []timeline.Interval{iv(0, 1.5), iv(4.5, 5.5), iv(7.5, 9), iv(15, 16)}
	// 4 -> 4.5: 0.5 s. 8: the agent took over at 7.5 (overtalk). 12: the
	// customer went on at 12.5. 14 -> 15: 1 s. 22: no answer.
	l := MeasureLatency(agent, customer)
	if len(l.Gaps) != 2 || l.Gaps[0] != 0.5 || l.Gaps[1] != 1 || l.MaxS != 1 || l.P50S != 0.5 || l.P90S != 1 {
		t.Errorf("latency %+v", l)
	}
}
