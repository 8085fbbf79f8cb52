// Package audio runs the audio stages on one recording: it decodes the
// recording, measures frame levels and finds each channel's speech, and checks
// the recording itself (a silent channel, clipping, DC offset).
package audio

import (
	"fmt"
	"math"
	"slices"

	"github.com/callqa/callqa/lexicon"
	"github.com/callqa/callqa/pipeline/stage/decode"
	"github.com/callqa/callqa/pipeline/stage/vad"
	"github.com/callqa/callqa/pipeline/timeline"
)

// Config holds the audio settings.
type Config struct {
	VAD vad.Config
	// ClippingWarnRatio: warn when more than this fraction of a channel's
	// speech samples are clipped.
	ClippingWarnRatio float64
	// DCOffsetWarn: warn when a channel's mean sample value is further than
	// this from zero, in full-scale units.
	DCOffsetWarn float64
	// ReadAhead decodes on a second goroutine (vad.Analyze): worth it when
	// the calls in flight leave cores idle.
	ReadAhead bool
	// Decode picks the decoder and bounds ffmpeg's time.
	Decode decode.Options
}

// NewConfig is the audio stage's part of the lexicon's settings.
func NewConfig(s lexicon.Settings, readAhead bool, dec decode.Options) Config {
	return Config{
		VAD: vad.NewConfig(s), ClippingWarnRatio: s.ClippingWarnRatio, DCOffsetWarn: s.DCOffsetWarn,
		ReadAhead: readAhead, Decode: dec,
	}
}

// Channel is what was found on one channel.
type Channel struct {
	// Speech is where the channel carries speech, in seconds.
	Speech []timeline.Interval
	// SpeechDBFS is the mean level of its speech frames (after the
	// high-pass filter), or NaN without speech.
	SpeechDBFS float64
	// ClippingRatio is the clipped samples (at or beyond vad.ClipLevel) as
	// a fraction of the samples of its speech: how much of what the party
	// said is distorted.
	ClippingRatio float64
	// DC is its mean sample value.
	DC float64
	// Hum is the mains hum on the channel, if any.
	Hum vad.Hum
}

// Recording is the audio of one call.
type Recording struct {
	Format   decode.Format
	Duration float64 // seconds
	Channels []Channel
	Warnings []string
}

// Analyze decodes and analyzes the recording at path.
func Analyze(path string, cfg Config) (*Recording, error) {
	s, err := decode.Open(path, cfg.Decode)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	return analyzeStream(s, cfg)
}

// analyzeStream analyzes an open recording.
func analyzeStream(s *decode.Stream, cfg Config) (*Recording, error) {
	chans, err := vad.Analyze(s, s.Format.Channels, s.Format.SampleRate, cfg.VAD, cfg.ReadAhead)
	if err != nil {
		return nil, fmt.Errorf("read samples: %w", err)
	}
	rec := &Recording{Format: s.Format, Duration: s.Duration()}
	for c, ch := range chans {
		out := Channel{
			Speech:     ch.Speech,
			SpeechDBFS: ch.SpeechDBFS,
			DC:         ch.DC,
			Hum:        ch.Hum,
		}
		if talk := timeline.Total(ch.Speech) * float64(s.Format.SampleRate); talk > 0 {
			out.ClippingRatio = min(1, float64(ch.Clipped)/talk)
		}
		rec.Channels = append(rec.Channels, out)
		rec.Warnings = append(rec.Warnings, check(c, len(chans), out, ch.Silent, rec.Duration, cfg)...)
	}
	// The stream's warnings are complete only once it has been read.
	rec.Warnings = append(slices.Clone(s.Warnings), rec.Warnings...)
	return rec, nil
}

// check returns the recording problems of one channel, worded for a QA lead.
func check(c, channels int, ch Channel, silent bool, duration float64, cfg Config) []string {
	name := "the recording"
	if channels == 2 {
		name = [...]string{"the left channel", "the right channel"}[c]
	}
	var w []string
	switch {
	case silent && duration > 0:
		w = append(w, name+" is digital silence all call")
	case len(ch.Speech) == 0 && duration > 0:
		w = append(w, name+" has no speech all call")
	}
	if ch.ClippingRatio > cfg.ClippingWarnRatio {
		w = append(w, fmt.Sprintf("%s is clipped: %.2f%% of samples at full scale", name, 100*ch.ClippingRatio))
	}
	if ch.Hum.Hz > 0 {
		w = append(w, fmt.Sprintf("%s has %d Hz mains hum at %.0f dBFS", name, ch.Hum.Hz, ch.Hum.Level))
	}
	if math.Abs(ch.DC) > cfg.DCOffsetWarn {
		w = append(w, fmt.Sprintf("%s has a DC offset of %+.3f of full scale", name, ch.DC))
	}
	return w
}

// Speech returns the speech of every channel, for silence measures.
func (r *Recording) Speech() [][]timeline.Interval {
	out := make([][]timeline.Interval, len(r.Channels))
	for i, c := range r.Channels {
		out[i] = c.Speech
	}
	return out
}
