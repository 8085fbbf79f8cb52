package pipeline

import (
	"github.com/callqa/callqa/lexicon"
	"github.com/callqa/callqa/pipeline/source"
	"github.com/callqa/callqa/pipeline/stage/audio"
	"github.com/callqa/callqa/pipeline/stage/features"
	"github.com/callqa/callqa/pipeline/stage/score"
	"github.com/callqa/callqa/pipeline/stage/transcript"
	"github.com/callqa/callqa/pipeline/timeline"
)

// Call is one call and all that the stages found in it: the value that
// flows from the source through the stages to the sink and the views. A
// field a stage could not fill is nil (no recording, no transcript, no
// parties); when Err is set, only Source, AgentChannel and LexiconVersion
// are, since half of a call's evidence would give a misleading score.
type Call struct {
	Source source.Call
	// AgentChannel is the agent's channel in this call: the manifest's,
	// else the run's.
	AgentChannel   source.Channel
	LexiconVersion string

	Recording  *audio.Recording
	Transcript *transcript.Transcript
	// Parties is who spoke when: the channels of a stereo recording, else
	// the transcript's times; nil when unknown.
	Parties *Parties
	// Silence is measured on the recording, or on a timed transcript's
	// times when there is no recording; Overtalk and Latency need the
	// parties (nil with them).
	Silence  *features.Silence
	Overtalk *features.Overtalk
	Latency  *features.Latency
	// AgentSpeechRateCPM and CustomerSpeechRateCPM are Chinese characters
	// per minute of talk (nil without a transcript or without talk).
	AgentSpeechRateCPM, CustomerSpeechRateCPM *float64
	// GreetingOK and ClosingOK say whether the agent opened and closed
	// the call properly (nil without a transcript, or without a rule for
	// that window).
	GreetingOK, ClosingOK *bool
	// Card is the score with every hit, text and audio, in time order, and
	// what each cost.
	Card score.Card
	// Review lists why the call's figures need a person to check them
	// (the Review* reasons): such a call is never a clean pass.
	Review   []string
	Warnings []string
	Err      error
}

// Parties is each party's speech.
type Parties struct {
	Agent, Customer []timeline.Interval
}

// failed is the call as it was found, with err and nothing else.
func (c *Call) failed(err error) Call {
	return Call{Source: c.Source, AgentChannel: c.AgentChannel, LexiconVersion: c.LexiconVersion, Err: err}
}

// Failed reports whether the call could not be processed.
func (c *Call) Failed() bool { return c.Err != nil }

// Scored reports whether the call has a score: only a transcript lets the
// required phrases be checked, so a recording alone has hits but no score.
func (c *Call) Scored() bool { return c.Err == nil && c.Transcript != nil }

// End is where the call's timeline ends: the recording's length, or the
// timed transcript's last time when that is later.
func (c *Call) End() float64 {
	end := 0.0
	if c.Recording != nil {
		end = c.Recording.Duration
	}
	if c.Transcript != nil && c.Transcript.Timed {
		end = max(end, c.Transcript.End())
	}
	return end
}

// Passed is the call's verdict: nil without a score, or when the call
// needs review (a truncated or silent recording cannot show a pass).
func (c *Call) Passed() *bool {
	if !c.Scored() || len(c.Review) > 0 {
		return nil
	}
	return &c.Card.Passed
}

// MeasuredS is the length silence was measured over: the recording's, or
// the timed transcript's without one.
func (c *Call) MeasuredS() float64 {
	if c.Recording != nil {
		return c.Recording.Duration
	}
	return c.End()
}

// BannedCount is the number of forbidden phrases found (nil without a
// transcript).
func (c *Call) BannedCount() *int {
	if !c.Scored() {
		return nil
	}
	n := 0
	for _, h := range c.Card.Hits {
		if lexicon.Forbidden(h.Kind) {
			n++
		}
	}
	return &n
}

// Stereo reports whether the call has a two-channel recording, whose
// channels are the parties.
func (c *Call) Stereo() bool { return c.Recording != nil && len(c.Recording.Channels) == 2 }

// AgentAudio and CustomerAudio are the parties' channels of a stereo
// recording.
func (c *Call) AgentAudio() audio.Channel {
	return c.Recording.Channels[c.AgentChannel.Index()]
}

func (c *Call) CustomerAudio() audio.Channel {
	return c.Recording.Channels[1-c.AgentChannel.Index()]
}
