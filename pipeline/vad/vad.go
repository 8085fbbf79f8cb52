// Package vad finds where each party speaks. A first pass streams the
// samples once and keeps one level per 10 ms frame and channel (plus
// clipping and DC statistics); Detect then compares each frame with the
// channel's own noise floor, tracked over the call.
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
	// OnMarginDB: a frame at least this far above the noise floor, and 4
	// standard deviations of the noise's frame levels, starts speech
	// (default 3 dB).
	OnMarginDB float64
	// OffMarginDB: speech goes on while frames stay this far, and 2 noise
	// standard deviations, above the floor (default 1.5 dB). The gap between
	// the two margins is hysteresis.
	OffMarginDB float64
	// MinLevelDB: a frame below this level is never speech, so that dither
	// on a silent channel finds nothing (default -60 dBFS).
	MinLevelDB float64
	// DynamicRangeDB: a frame more than this below the channel's loud speech
	// (its 95th percentile level) is not speech: faint crosstalk from the
	// other party stays out (default 40 dB).
	DynamicRangeDB float64
	// MinSilenceS bridges pauses shorter than this inside speech (default
	// 0.3 s): the gaps between words are not silence. It acts as hangover.
	MinSilenceS float64
	// MinSpeechS drops bursts shorter than this (default 0.1 s): clicks and
	// line noise are not speech.
	MinSpeechS float64
}

// Defaults are the settings used where a Config field is zero.
var Defaults = Config{
	FrameS:         0.01,
	OnMarginDB:     3,
	OffMarginDB:    1.5,
	MinLevelDB:     -60,
	DynamicRangeDB: 40,
	MinSilenceS:    0.3,
	MinSpeechS:     0.1,
}

// WithDefaults fills the zero fields of c from Defaults.
func (c Config) WithDefaults() Config {
	d := Defaults
	set := func(dst *float64, v float64) {
		if v != 0 {
			*dst = v
		}
	}
	set(&d.FrameS, c.FrameS)
	set(&d.OnMarginDB, c.OnMarginDB)
	set(&d.OffMarginDB, c.OffMarginDB)
	set(&d.MinLevelDB, c.MinLevelDB)
	set(&d.DynamicRangeDB, c.DynamicRangeDB)
	set(&d.MinSilenceS, c.MinSilenceS)
	set(&d.MinSpeechS, c.MinSpeechS)
	return d
}

// SampleReader yields interleaved samples scaled to [-1, 1), returning the
// number of frames read and io.EOF at the end (decode.Stream is one).
type SampleReader interface {
	Read(dst []float32) (frames int, err error)
}

// Channel is what the first pass learned about one channel.
type Channel struct {
	// Levels is the level in dBFS of each frame after the high-pass filter.
	Levels []float32
	// Clipped counts samples at or beyond ClipLevel.
	Clipped int64
	// DC is the mean sample value.
	DC float64
	// Peak is the largest absolute sample value.
	Peak float32
}

// ClipLevel is the magnitude at which a sample counts as clipped. G.711's
// largest code decodes to 0.98 of full scale, so the level sits just there.
const ClipLevel = 0.98

// highPassHz is the cut-off of the second-order Butterworth high-pass
// applied before levels are measured: it removes DC and holds 50 Hz mains
// hum 24 dB down while the telephone band (300-3400 Hz) passes. (A
// pre-emphasis x[n] - 0.97 x[n-1] is cheaper but also takes 12 dB off
// 300 Hz, where voiced speech has its power, and lifts white noise: at
// 10 dB SNR that left speech 2-4 dB above the noise.)
const highPassHz = 200

// biquad is a second-order IIR filter (direct form I).
type biquad struct{ b0, b1, b2, a1, a2 float64 }

// highPass is the Butterworth high-pass at fc for sampleRate (RBJ cookbook).
func highPass(fc float64, sampleRate int) biquad {
	w := 2 * math.Pi * fc / float64(sampleRate)
	alpha := math.Sin(w) / math.Sqrt2 // sin(w) / 2Q with Q = 1/sqrt(2)
	cw := math.Cos(w)
	a0 := 1 + alpha
	return biquad{
		b0: (1 + cw) / 2 / a0, b1: -(1 + cw) / a0, b2: (1 + cw) / 2 / a0,
		a1: -2 * cw / a0, a2: (1 - alpha) / a0,
	}
}

// silentDB is the level given to a frame of digital silence.
const silentDB = -120

// Analyze reads the whole stream once. Memory is one small block plus one
// float32 per frame and channel (1.4 MB per channel-hour at 10 ms).
func Analyze(r SampleReader, channels, sampleRate int, frameS float64) ([]Channel, error) {
	if channels < 1 || sampleRate < 1 || frameS <= 0 {
		return nil, errors.New("vad: invalid stream format")
	}
	frameLen := max(1, int(math.Round(frameS*float64(sampleRate))))
	hp := highPass(highPassHz, sampleRate)
	type state struct {
		x1, x2, y1, y2 float64 // filter memory
		energy         float64 // of the current frame
		sum            float64
		peak           float32
		clip           int64
	}
	st := make([]state, channels)
	out := make([]Channel, channels)
	inFrame, total := 0, int64(0)
	buf := make([]float32, 4096*channels)
	for {
		n, err := r.Read(buf)
		for i := 0; i < n; {
			// Take whole runs up to the end of the current frame, one
			// channel at a time, so the inner loop stays simple.
			run := min(n-i, frameLen-inFrame)
			for c := range channels {
				s := &st[c]
				x1, x2, y1, y2 := s.x1, s.x2, s.y1, s.y2
				energy, sum, peak, clip := s.energy, s.sum, s.peak, s.clip
				for k := i; k < i+run; k++ {
					x := buf[k*channels+c]
					xf := float64(x)
					y := hp.b0*xf + hp.b1*x1 + hp.b2*x2 - hp.a1*y1 - hp.a2*y2
					x2, x1, y2, y1 = x1, xf, y1, y
					energy += y * y
					sum += float64(x)
					ax := abs32(x)
					if ax > peak {
						peak = ax
					}
					if ax >= ClipLevel {
						clip++
					}
				}
				s.x1, s.x2, s.y1, s.y2 = x1, x2, y1, y2
				s.energy, s.sum, s.peak, s.clip = energy, sum, peak, clip
			}
			i += run
			if inFrame += run; inFrame == frameLen {
				for c := range channels {
					out[c].Levels = append(out[c].Levels, toDB(st[c].energy/float64(frameLen)))
					st[c].energy = 0
				}
				inFrame = 0
			}
		}
		total += int64(n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	for c := range channels {
		if inFrame > 0 {
			out[c].Levels = append(out[c].Levels, toDB(st[c].energy/float64(inFrame)))
		}
		out[c].Clipped, out[c].Peak = st[c].clip, st[c].peak
		if total > 0 {
			out[c].DC = st[c].sum / float64(total)
		}
	}
	return out, nil
}

func abs32(x float32) float32 {
	return math.Float32frombits(math.Float32bits(x) &^ (1 << 31))
}

func toDB(meanSquare float64) float32 {
	if meanSquare <= 1e-12 {
		return silentDB
	}
	return float32(10 * math.Log10(meanSquare))
}

// Detect returns the speech intervals, in seconds, of one channel's frame
// levels (as made by Analyze with the same frame length).
func Detect(levels []float32, cfg Config) []timeline.Interval {
	cfg = cfg.WithDefaults()
	if len(levels) == 0 {
		return nil
	}
	floor := NoiseFloor(levels, cfg.FrameS)
	loud := percentile(levels, 0.95)
	sigma := NoiseSpread(levels)
	onMargin := max(float32(cfg.OnMarginDB), 4*sigma)
	offMargin := max(float32(cfg.OffMarginDB), 2*sigma)
	base := max(float32(cfg.MinLevelDB), loud-float32(cfg.DynamicRangeDB))
	blockFrames := floorBlockFrames(cfg.FrameS)
	thresholds := func(i int) (on, off float32) {
		f := floor[i/blockFrames]
		return max(f+onMargin, base), max(f+offMargin, base)
	}

	// Runs above the off threshold that reach the on threshold somewhere.
	var runs []timeline.Interval
	start, loudEnough := -1, false
	for i, l := range levels {
		on, off := thresholds(i)
		if l >= off {
			if start < 0 {
				start, loudEnough = i, false
			}
			loudEnough = loudEnough || l >= on
			continue
		}
		if start >= 0 && loudEnough {
			runs = append(runs, frameSpan(start, i, cfg.FrameS))
		}
		start = -1
	}
	if start >= 0 && loudEnough {
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

// Noise floor tracking: the 10th percentile of each 2 s block; then, for
// each block, the minimum over the 14 s before it and the minimum over the
// 14 s after it, and the larger of the two. Pauses between words keep the
// minima at the noise, and taking the larger side follows a change of noise
// (a fan switched on) at once instead of 14 s late.
const (
	floorBlockS      = 2.0
	floorPercentile  = 0.10
	floorReachBlocks = 7
)

func floorBlockFrames(frameS float64) int { return max(1, int(math.Round(floorBlockS/frameS))) }

// NoiseFloor returns the noise floor in dBFS of each floor block (2 s) of
// the frame levels.
func NoiseFloor(levels []float32, frameS float64) []float32 {
	n := floorBlockFrames(frameS)
	var blocks []float32
	for i := 0; i < len(levels); i += n {
		blocks = append(blocks, percentile(levels[i:min(i+n, len(levels))], floorPercentile))
	}
	floor := make([]float32, len(blocks))
	for i := range blocks {
		before := slices.Min(blocks[max(0, i-floorReachBlocks) : i+1])
		after := slices.Min(blocks[i:min(len(blocks), i+floorReachBlocks+1)])
		floor[i] = max(before, after)
	}
	return floor
}

// NoiseSpread estimates the standard deviation, in dB, of the frame levels
// of the channel's noise from its quietest fifth: for normally distributed
// levels the 20th and 5th percentiles lie 0.81 standard deviations apart.
// Steady line noise gives a small spread and so small margins; babble and
// music in the background give larger ones.
func NoiseSpread(levels []float32) float32 {
	if len(levels) < 20 {
		return 0
	}
	sorted := slices.Clone(levels)
	slices.Sort(sorted)
	at := func(p float64) float32 { return sorted[int(p*float64(len(sorted)-1))] }
	return (at(0.20) - at(0.05)) / 0.81
}

// percentile returns the value at fraction p (0..1) of the sorted values.
func percentile(values []float32, p float64) float32 {
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	return sorted[int(p*float64(len(sorted)-1))]
}
