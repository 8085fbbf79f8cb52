package pipeline

import (
	"fmt"

	"github.com/callqa/callqa/pipeline/stage/normalize"
	"github.com/callqa/callqa/pipeline/stage/transcript"
	"github.com/callqa/callqa/pipeline/timeline"
)

// The reasons a call needs a person to review it: its recording or
// transcript cannot support its figures, so a clean score would be a
// false pass. They go to calls.review_reasons; such a call's passed is
// null.
const (
	// ReviewRecordingShort: the recording ends well before the timed
	// transcript does (a truncated or cut-off file).
	ReviewRecordingShort = "recording_shorter_than_transcript"
	// ReviewNoSpeech: the recording holds no speech at all.
	ReviewNoSpeech = "no_speech"
	// ReviewAgentChannelDead, ReviewCustomerChannelDead: one channel of a
	// stereo recording holds no speech while the other does.
	ReviewAgentChannelDead    = "agent_channel_dead"
	ReviewCustomerChannelDead = "customer_channel_dead"
	// ReviewEmptyTranscript: the transcript has no words (punctuation
	// alone is none).
	ReviewEmptyTranscript = "empty_transcript"
)

// shortBy is how much the transcript may run past the recording's end
// before the recording counts as short: ASR times round, and a final
// segment may close a little late.
const (
	shortBySeconds = 2.0
	shortByRatio   = 0.05
)

// reviewReasons lists why c's figures need a person to check them, in a
// fixed order, with a warning for each that says what was seen.
func reviewReasons(c *Call) (reasons, warnings []string) {
	add := func(reason, format string, args ...any) {
		reasons = append(reasons, reason)
		warnings = append(warnings, fmt.Sprintf(format, args...))
	}
	if c.Recording != nil {
		if t := c.Transcript; t != nil && t.Timed {
			rec, end := c.Recording.Duration, t.End()
			if end > rec+max(shortBySeconds, shortByRatio*end) {
				add(ReviewRecordingShort, "needs review: the recording lasts %.1f s but the transcript runs to %.1f s: the audio figures cover part of the call", rec, end)
			}
		}
		switch {
		case timeline.Total(timeline.Union(c.Recording.Speech()...)) == 0:
			add(ReviewNoSpeech, "needs review: the recording holds no speech")
		case c.Stereo() && len(c.AgentAudio().Speech) == 0:
			add(ReviewAgentChannelDead, "needs review: the agent's channel (%s) holds no speech", c.AgentChannel)
		case c.Stereo() && len(c.CustomerAudio().Speech) == 0:
			add(ReviewCustomerChannelDead, "needs review: the customer's channel holds no speech")
		}
	}
	if c.Transcript != nil && !hasWords(c.Transcript) {
		add(ReviewEmptyTranscript, "needs review: the transcript has no words")
	}
	return reasons, warnings
}

// hasWords reports whether some segment of t has words: a letter or a
// digit, not only punctuation ("……", "。。。").
func hasWords(t *transcript.Transcript) bool {
	for _, s := range t.Segments {
		if normalize.New(s.Text).Norm != "" {
			return true
		}
	}
	return false
}
