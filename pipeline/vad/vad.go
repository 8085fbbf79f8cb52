// Package vad finds where each party speaks, from the energy of short frames
// measured against the channel's own noise floor.
package vad

import (
	"errors"
	"io"
	"math"
	"slices"

	"github.com/callqa/callqa/pipeline/timeline"
)

// Config tunes speech detection. Zero fields take the defaults in Defaults.
type Config struct {
	// FrameS is the analysis frame length in seconds (default 0.01).
	FrameS float64
	// FloorPercentile picks the channel's noise floor among its frame levels
	// (default 0.10: callers and agents are silent well over 10 % of a call).
	FloorPercentile float64
	// MarginDB is how far above the noise floor a frame must be to count as
	// speech (default 12 dB).
	MarginDB float64
	// MinLevelDB is the level below which a frame is never speech, so that a
	// silent channel with a very low floor finds no speech in dither (default -55 dBFS).
	MinLevelDB float64
	// MinSilenceS bridges pauses shorter than this inside speech (default 0.3 s):
	// the gaps between words are not silence.
	MinSilenceS float64
	// MinSpeechS drops bursts shorter than this (default 0.1 s): clicks and
	// line noise are not speech.
	MinSpeechS float64
}

// Defaults are the settings used where a Config field is zero.
var Defaults = Config{
	FrameS:          0.01,
	FloorPercentile: 0.10,
	MarginDB:        12,
	MinLevelDB:      -55,
	MinSilenceS:     0.3,
	MinSpeechS:      0.1,
}

func (c Config) withDefaults() Config {
	d := Defaults
	if c.FrameS > 0 {
		d.FrameS = c.FrameS
	}
	if c.FloorPercentile > 0 {
		d.FloorPercentile = c.FloorPercentile
	}
	if c.MarginDB > 0 {
		d.MarginDB = c.MarginDB
	}
	if c.MinLevelDB < 0 {
		d.MinLevelDB = c.MinLevelDB
	}
	if c.MinSilenceS > 0 {
		d.MinSilenceS = c.MinSilenceS
	}
	if c.MinSpeechS > 0 {
		d.MinSpeechS = c.MinSpeechS
	}
	return d
}

// SampleReader yields interleaved samples scaled to [-1, 1), returning the
// number of frames read and io.EOF at the end (decode.Stream is one).
type SampleReader interface {
	Read(dst []float32) (frames int, err error)
}

// silentDB is the level given to a frame of digital silence.
const silentDB = -120

// Levels reads the whole stream and returns, per channel, the level in dBFS
// of each consecutive frame of frameS seconds. Memory is one small block
// plus one float32 per frame and channel (1.4 MB per channel-hour at 10 ms).
func Levels(r SampleReader, channels, sampleRate int, frameS float64) ([][]float32, error) {
	if channels < 1 || sampleRate < 1 || frameS <= 0 {
		return nil, errors.New("vad: invalid stream format")
	}
	frameLen := max(1, int(math.Round(frameS*float64(sampleRate))))
	levels := make([][]float32, channels)
	sums := make([]float64, channels)
	inFrame := 0
	flush := func() {
		for c := range channels {
			levels[c] = append(levels[c], toDB(sums[c]/float64(inFrame)))
			sums[c] = 0
		}
		inFrame = 0
	}
	buf := make([]float32, 4096*channels)
	for {
		n, err := r.Read(buf)
		for i := range n {
			for c := range channels {
				v := float64(buf[i*channels+c])
				sums[c] += v * v
			}
			if inFrame++; inFrame == frameLen {
				flush()
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if inFrame > 0 {
		flush()
	}
	return levels, nil
}

func toDB(meanSquare float64) float32 {
	if meanSquare <= 1e-12 {
		return silentDB
	}
	return float32(10 * math.Log10(meanSquare))
}

// Detect returns the speech intervals, in seconds, of one channel's frame
// levels (as made by Levels with the same frame length).
func Detect(levels []float32, cfg Config) []timeline.Interval {
	cfg = cfg.withDefaults()
	if len(levels) == 0 {
		return nil
	}
	threshold := max(NoiseFloor(levels, cfg.FloorPercentile)+float32(cfg.MarginDB), float32(cfg.MinLevelDB))

	var runs []timeline.Interval
	start := -1
	for i, l := range levels {
		switch {
		case l >= threshold && start < 0:
			start = i
		case l < threshold && start >= 0:
			runs = append(runs, frameSpan(start, i, cfg.FrameS))
			start = -1
		}
	}
	if start >= 0 {
		runs = append(runs, frameSpan(start, len(levels), cfg.FrameS))
	}

	// Bridge short pauses, then drop what is still too short to be speech.
	var merged []timeline.Interval
	for _, iv := range runs {
		if n := len(merged); n > 0 && iv.Start-merged[n-1].End < cfg.MinSilenceS {
			merged[n-1].End = iv.End
			continue
		}
		merged = append(merged, iv)
	}
	speech := merged[:0]
	for _, iv := range merged {
		if iv.Len() >= cfg.MinSpeechS {
			speech = append(speech, iv)
		}
	}
	return speech
}

func frameSpan(from, to int, frameS float64) timeline.Interval {
	return timeline.Interval{Start: float64(from) * frameS, End: float64(to) * frameS}
}

// NoiseFloor is the level at percentile p (0..1) of the frame levels.
func NoiseFloor(levels []float32, p float64) float32 {
	sorted := slices.Clone(levels)
	slices.Sort(sorted)
	return sorted[int(p*float64(len(sorted)-1))]
}
