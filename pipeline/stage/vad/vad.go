// Package vad finds where each party speaks, in one streaming pass over
// the samples as they are decoded: each channel goes through a 200 Hz
// high-pass and a 1 kHz low-pass, every 10 ms frame gives three band
// levels, each band's noise floor is tracked from the 4 s before and the 4 s
// after the frame, and frames standing above the floor with hysteresis make
// runs of activity, which count as speech only when they are voiced (pitch
// periodicity) and move like speech (not tones, hum or music on hold). The
// look-ahead is fixed, so memory does not grow with the call. Speech is
// widened by PadS before and HangS after, as hand labels are. Clipping, DC
// and mains hum are measured in the same pass.
package vad

import (
	"errors"
	"fmt"
	"io"

	"github.com/callqa/callqa/lexicon"
	"github.com/callqa/callqa/pipeline/timeline"
)

// Config holds the settings of speech detection that the lexicon exposes
// (lexicon.DefaultSettings says why each default is what it is).
type Config struct {
	// OnDB: speech needs frames this far above the noise floor, in their
	// best band: a run of activity counts only when enough of its frames
	// that far up are voiced.
	OnDB float64
	// OffDB: a frame this far above the floor is active; runs of active
	// frames are the candidates for speech, so their ends sit lower than
	// the level that makes them speech (hysteresis).
	OffDB float64
	// MinSilenceS bridges pauses shorter than this inside speech: the gaps
	// between words are not silence.
	MinSilenceS float64
	// MinSpeechS drops speech shorter than this: a cough or a click is not a
	// turn.
	MinSpeechS float64
}

// NewConfig is the detector's part of the lexicon's settings.
func NewConfig(s lexicon.Settings) Config {
	return Config{
		OnDB: s.VADOnMarginDB, OffDB: s.VADOffMarginDB,
		MinSpeechS: s.VADMinSpeechS, MinSilenceS: s.VADMinSilenceS,
	}
}

// SampleReader yields interleaved samples scaled to [-1, 1), returning the
// number of frames read and io.EOF at the end (decode.Stream is one).
type SampleReader interface {
	Read(dst []float32) (frames int, err error)
}

// Channel is what was found on one channel.
type Channel struct {
	// Speech is where the channel carries speech, in seconds.
	Speech []timeline.Interval
	// SpeechDBFS is the power mean of the speech's 10 ms frames after the
	// high-pass, or NaN without speech.
	SpeechDBFS float64
	// Silent: the channel is digital silence throughout.
	Silent bool
	// Clipped counts samples at or beyond ClipLevel.
	Clipped int64
	// DC is the mean sample value.
	DC float64
	// Hum is the mains hum on the channel, if any.
	Hum Hum
}

// ClipLevel is the magnitude at which a sample counts as clipped. G.711's
// largest code decodes to 0.98 of full scale, so the level sits just there.
const ClipLevel = 0.98

// Analyze reads the whole stream once and finds each channel's speech.
// Memory is a few read blocks plus the detector's fixed look-ahead, whatever
// the length of the call.
//
// With ahead, decoding runs on a second goroutine a few blocks ahead of the
// detector, so one long call uses two cores; without it everything runs
// on the caller's goroutine, which is better when other calls keep the
// cores busy anyway (the synchronization then costs more than it gives).
func Analyze(r SampleReader, channels, sampleRate int, cfg Config, ahead bool) ([]Channel, error) {
	if channels < 1 || sampleRate < 1 {
		return nil, errors.New("vad: invalid stream format")
	}
	det := New(sampleRate, channels, cfg)
	sums := make([]float64, channels)
	clips := make([]int64, channels)
	total := int64(0)
	blocks := newReader(r, channels, det.filters, ahead)
	hum := newHumMeter(channels, sampleRate)
	blockIndex := 0
	for b := range blocks.all {
		buf, n, err := b.samples, b.frames, b.err
		if blockIndex%humEveryBlock == 0 {
			hum.add(buf, n, channels)
		}
		blockIndex++
		det.consume(&b.filtered)
		total += int64(n)
		for c := range channels {
			sums[c] += b.sums[c]
			clips[c] += b.clips[c]
		}
		blocks.done(b)
		if err != nil {
			blocks.stop()
			return nil, err
		}
	}
	out := det.Close()
	for c := range out {
		out[c].Clipped = clips[c]
		out[c].Hum = hum.hum(c)
		if total > 0 {
			out[c].DC = sums[c] / float64(total)
		}
	}
	return out, nil
}

// block is one read of interleaved samples.
type block struct {
	samples []float32
	frames  int
	err     error // not io.EOF: the stream simply ends
	// Per channel: the sum of the samples and the count of clipped ones.
	sums  []float64
	clips []int64
	// filtered is what the detector's filters made of the samples.
	filtered filtered
}

// reader runs the stream's Read and the detector's filters on its own
// goroutine, a few blocks ahead, so that decoding and filtering overlap the
// frame decisions on a second core. Blocks come back to
// it for reuse, so memory is four blocks whatever the length of the call.
type reader struct {
	full   chan *block
	free   chan *block
	cancel chan struct{}

	inline   SampleReader // set when reading on the caller's goroutine
	channels int
	filters  *filters
	one      *block
}

const (
	readBlockFrames = 16384
	readBlocks      = 4
)

func newBlock(channels int) *block {
	return &block{
		samples: make([]float32, readBlockFrames*channels),
		sums:    make([]float64, channels),
		clips:   make([]int64, channels),
	}
}

// read fills b from r, counts it and filters it; it reports whether the
// stream goes on.
func read(r SampleReader, b *block, channels int, fs *filters) bool {
	n, err := r.Read(b.samples)
	b.frames, b.err = n, err
	countBlock(b, channels)
	fs.run(b.samples[:n*channels], &b.filtered)
	if errors.Is(err, io.EOF) {
		b.err = nil
	}
	return err == nil
}

func newReader(r SampleReader, channels int, fs *filters, ahead bool) *reader {
	if !ahead {
		return &reader{inline: r, channels: channels, filters: fs, one: newBlock(channels)}
	}
	rd := &reader{
		full:   make(chan *block, readBlocks),
		free:   make(chan *block, readBlocks),
		cancel: make(chan struct{}),
	}
	for range readBlocks {
		rd.free <- newBlock(channels)
	}
	go func() {
		defer close(rd.full)
		var b *block
		// A panic in the decoder (a bug met on one odd recording) ends the
		// stream with an error, so that it becomes the call's error instead
		// of crashing the run. The block in hand is the only one not queued,
		// so there is room for it.
		defer func() {
			if p := recover(); p != nil {
				if b == nil {
					b = newBlock(channels)
				}
				b.frames, b.filtered.n, b.err = 0, 0, fmt.Errorf("decoding: internal error (please report it): %v", p)
				rd.full <- b
			}
		}()
		for {
			b = nil
			select {
			case b = <-rd.free:
			case <-rd.cancel:
				return
			}
			more := read(r, b, channels, fs)
			if b.frames > 0 || b.err != nil {
				rd.full <- b
			}
			if !more {
				return
			}
		}
	}()
	return rd
}

// all yields the blocks in order (range-over-func).
func (rd *reader) all(yield func(*block) bool) {
	if rd.inline != nil {
		for {
			more := read(rd.inline, rd.one, rd.channels, rd.filters)
			if (rd.one.frames > 0 || rd.one.err != nil) && !yield(rd.one) || !more {
				return
			}
		}
	}
	for b := range rd.full {
		if !yield(b) {
			return
		}
	}
}

func (rd *reader) done(b *block) {
	if rd.inline == nil {
		rd.free <- b
	}
}

// stop ends the reading goroutine early and waits for it.
func (rd *reader) stop() {
	if rd.inline != nil {
		return
	}
	close(rd.cancel)
	for range rd.full {
	}
}

// countBlock adds up each channel's samples (for DC) and clipped samples of
// a whole block. It runs on the reader goroutine, beside decoding, so the
// filter loop on the other core has nothing else to do.
func countBlock(b *block, channels int) {
	const clip2 = ClipLevel * ClipLevel
	samples := b.samples[:b.frames*channels]
	if channels == 2 {
		var ls, rs float32
		var lc, rc int64
		for k := 0; k+1 < len(samples); k += 2 {
			l, r := samples[k], samples[k+1]
			ls += l
			rs += r
			if l*l >= clip2 {
				lc++
			}
			if r*r >= clip2 {
				rc++
			}
		}
		b.sums[0], b.sums[1], b.clips[0], b.clips[1] = float64(ls), float64(rs), lc, rc
		return
	}
	for c := range channels {
		var sum float32
		var clip int64
		for k := c; k < len(samples); k += channels {
			x := samples[k]
			sum += x
			if x*x >= clip2 {
				clip++
			}
		}
		b.sums[c], b.clips[c] = float64(sum), clip
	}
}
