package pipeline

import (
	"github.com/callqa/callqa/pipeline/discover"
	"github.com/callqa/callqa/pipeline/features"
	"github.com/callqa/callqa/pipeline/timeline"
	"github.com/callqa/callqa/pipeline/transcript"
)

// Explained is one call with the evidence behind its rows: who spoke when,
// the silences and overtalk, and the transcript, so that a reviewer can see
// where the call went wrong (callqa inspect).
type Explained struct {
	Result
	// End is where the call's timeline ends: the recording's length, or the
	// transcript's last time without a recording.
	End float64
	// Agent and Customer are each party's speech (nil when unknown: a mono
	// recording without a timed transcript).
	Agent, Customer []timeline.Interval
	// Silences are every silence inside the conversation (recordings only);
	// those of at least DeadAirMinS are dead air.
	Silences    []timeline.Interval
	DeadAirMinS float64
	// Overtalk are the episodes of at least overtalk_min_s.
	Overtalk []features.Episode
	// Segments is the transcript (nil without one); Timed says whether its
	// times are real (plain-text transcripts have none).
	Segments []transcript.Segment
	Timed    bool
}

// Explain processes one call like Process and keeps the evidence.
func (e *Engine) Explain(c discover.Call) Explained {
	m := e.measureSafely(c)
	x := Explained{Result: e.checkSafely(m), DeadAirMinS: e.features.DeadAirMinS}
	if m.done != nil || x.Failed() {
		return x
	}
	x.End = m.callEnd
	x.Agent, x.Customer = m.agent, m.customer
	x.Silences, x.Overtalk = m.measures.Silences, m.measures.Overtalk
	if m.text != nil {
		x.Segments, x.Timed = m.text.Segments, m.text.Timed
		if m.text.Timed {
			x.End = max(x.End, m.text.End())
		}
	}
	return x
}
