// Package vad finds where each party speaks. A first pass streams the
// samples once and keeps one level per 10 ms frame and channel (plus
// clipping and DC statistics); Detect then compares each frame with the
// channel's own noise floor, tracked over the call.
package vad

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/callqa/callqa/lexicon"
	"github.com/callqa/callqa/pipeline/timeline"
)

// Config tunes speech detection; the values come from the lexicon's
// settings (lexicon.DefaultSettings says why each default is what it is).
type Config struct {
	// OnMarginDB: a frame at least this far above the noise floor, and 4
	// standard deviations of the noise's frame levels, starts speech.
	OnMarginDB float64
	// OffMarginDB: speech goes on while frames stay this far, and 2 noise
	// standard deviations, above the floor. The gap between the two margins
	// is hysteresis.
	OffMarginDB float64
	// MinSilenceS bridges pauses shorter than this inside speech: the gaps
	// between words are not silence. It acts as hangover.
	MinSilenceS float64
	// MinSpeechS drops bursts shorter than this: clicks and line noise are
	// not speech.
	MinSpeechS float64
}

// NewConfig is the detector's part of the lexicon's settings.
func NewConfig(s lexicon.Settings) Config {
	return Config{
		OnMarginDB: s.VADOnMarginDB, OffMarginDB: s.VADOffMarginDB,
		MinSpeechS: s.VADMinSpeechS, MinSilenceS: s.VADMinSilenceS,
	}
}

// Fixed properties of the detector, not settings.
const (
	// FrameS is the analysis frame length in seconds.
	FrameS = 0.01
	// minLevelDB: a frame below this level is never speech, so that dither
	// on a silent channel finds nothing.
	minLevelDB = -60
	// dynamicRangeDB: a frame more than this below the channel's loud
	// speech (its 95th percentile level) is not speech: faint crosstalk from
	// the other party stays out.
	dynamicRangeDB = 40
)

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
	// Hum is the mains hum on the channel, if any.
	Hum Hum
}

// Silent reports whether the channel is digital silence throughout.
func (c Channel) Silent() bool {
	return !slices.ContainsFunc(c.Levels, func(l float32) bool { return l > silentDB })
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

// coefficients are those the loops use: b1 = -2·b0 and b2 = b0 for a
// high-pass, so b0 stands for all three.
func (f biquad) coefficients() (b0, a1, a2 float32) {
	return float32(f.b0), float32(f.a1), float32(f.a2)
}

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
//
// With ahead, decoding runs on a second goroutine a few blocks ahead of the
// measuring, so one long call uses two cores; without it everything runs
// on the caller's goroutine, which is better when other calls keep the
// cores busy anyway (the synchronization then costs more than it gives).
func Analyze(r SampleReader, channels, sampleRate int, frameS float64, ahead bool) ([]Channel, error) {
	if channels < 1 || sampleRate < 1 || frameS <= 0 {
		return nil, errors.New("vad: invalid stream format")
	}
	frameLen := max(1, int(math.Round(frameS*float64(sampleRate))))
	hp := highPass(highPassHz, sampleRate)
	st := make([]channelState, channels)
	out := make([]Channel, channels)
	inFrame, total := 0, int64(0)
	blocks := newReader(r, channels, ahead)
	hum := newHumMeter(channels, sampleRate)
	blockIndex := 0
	for b := range blocks.all {
		buf, n, err := b.samples, b.frames, b.err
		if blockIndex%humEveryBlock == 0 {
			hum.add(buf, n, channels)
		}
		blockIndex++
		for i := 0; i < n; {
			// Take whole runs up to the end of the current frame.
			run := min(n-i, frameLen-inFrame)
			block := buf[i*channels : (i+run)*channels]
			if channels == 2 {
				measureStereo(&st[0], &st[1], block, hp)
			} else {
				for c := range channels {
					measure(&st[c], block, c, channels, hp)
				}
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
		for c := range channels {
			st[c].sum += b.sums[c]
			st[c].clip += b.clips[c]
		}
		blocks.done(b)
		if err != nil {
			blocks.stop()
			return nil, err
		}
	}
	for c := range channels {
		if inFrame > 0 {
			out[c].Levels = append(out[c].Levels, toDB(st[c].energy/float64(inFrame)))
		}
		out[c].Clipped = st[c].clip
		out[c].Hum = hum.hum(c)
		if total > 0 {
			out[c].DC = st[c].sum / float64(total)
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
}

// reader runs the stream's Read on its own goroutine, a few blocks ahead,
// so that decoding overlaps measuring on a second core. Blocks come back to
// it for reuse, so memory is four blocks whatever the length of the call.
type reader struct {
	full   chan *block
	free   chan *block
	cancel chan struct{}

	inline   SampleReader // set when reading on the caller's goroutine
	channels int
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

// read fills b from r and counts it; it reports whether the stream goes on.
func read(r SampleReader, b *block, channels int) bool {
	n, err := r.Read(b.samples)
	b.frames, b.err = n, err
	countBlock(b, channels)
	if errors.Is(err, io.EOF) {
		b.err = nil
	}
	return err == nil
}

func newReader(r SampleReader, channels int, ahead bool) *reader {
	if !ahead {
		return &reader{inline: r, channels: channels, one: newBlock(channels)}
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
				b.frames, b.err = 0, fmt.Errorf("decoding: internal error (please report it): %v", p)
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
			more := read(r, b, channels)
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
			more := read(rd.inline, rd.one, rd.channels)
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

// channelState is one channel's running measures. The filter runs in
// float32: samples are float32 already, and the band it must get right
// (300-3400 Hz, to 0.5 dB) is far from the precision limit even at 48 kHz.
type channelState struct {
	x1, x2, y1, y2 float32 // filter memory
	energy         float64 // of the current frame, after the filter
	sum            float64 // of the samples, for DC
	clip           int64
}

// The loops below keep their state in local variables, which the compiler
// holds in registers; the filter uses b1 = -2·b0 and b2 = b0 (true of any
// high-pass biquad) and orders its sum so that only one multiply-subtract
// waits for the previous output. DC and clipping are counted apart
// (countBlock): in the filter loop their variables outgrew the registers
// and the loop ran at half speed.

// measure runs channel c of interleaved samples through its state.
func measure(s *channelState, block []float32, c, channels int, hp biquad) {
	b0, a1, a2 := hp.coefficients()
	x1, x2, y1, y2 := s.x1, s.x2, s.y1, s.y2
	var energy float32
	for k := c; k < len(block); k += channels {
		x := block[k]
		y := b0*(x-x1-x1+x2) - a2*y2 - a1*y1
		x2, x1, y2, y1 = x1, x, y1, y
		energy += y * y
	}
	s.x1, s.x2, s.y1, s.y2 = x1, x2, y1, y2
	s.energy += float64(energy)
}

// measureStereo is measure for both channels of a stereo block in one loop:
// their two filter chains are independent, so the CPU overlaps them.
// (Unrolling the recurrence to compute two outputs a step made it slower:
// the extra constants spill out of the registers.)
func measureStereo(l, r *channelState, block []float32, hp biquad) {
	b0, a1, a2 := hp.coefficients()
	lx1, lx2, ly1, ly2 := l.x1, l.x2, l.y1, l.y2
	rx1, rx2, ry1, ry2 := r.x1, r.x2, r.y1, r.y2
	var le, re float32
	block = block[:len(block)&^1]
	for k := 0; k < len(block); k += 2 {
		lx, rx := block[k], block[k+1]
		ly := b0*(lx-lx1-lx1+lx2) - a2*ly2 - a1*ly1
		ry := b0*(rx-rx1-rx1+rx2) - a2*ry2 - a1*ry1
		lx2, lx1, ly2, ly1 = lx1, lx, ly1, ly
		rx2, rx1, ry2, ry1 = rx1, rx, ry1, ry
		le += ly * ly
		re += ry * ry
	}
	l.x1, l.x2, l.y1, l.y2 = lx1, lx2, ly1, ly2
	r.x1, r.x2, r.y1, r.y2 = rx1, rx2, ry1, ry2
	l.energy, r.energy = l.energy+float64(le), r.energy+float64(re)
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

func toDB(meanSquare float64) float32 {
	if meanSquare <= 1e-12 {
		return silentDB
	}
	return float32(10 * math.Log10(meanSquare))
}

// Detect returns the speech intervals, in seconds, of one channel's frame
// levels (as made by Analyze with the same frame length).
func Detect(levels []float32, cfg Config) []timeline.Interval {
	if len(levels) == 0 {
		return nil
	}
	floor := noiseFloor(levels, FrameS)
	dist := newDistribution(levels)
	loud := dist.at(0.95)
	sigma := dist.noiseSpread()
	onMargin := max(float32(cfg.OnMarginDB), 4*sigma)
	offMargin := max(float32(cfg.OffMarginDB), 2*sigma)
	base := max(minLevelDB, loud-dynamicRangeDB)
	blockFrames := floorBlockFrames(FrameS)
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
			runs = append(runs, frameSpan(start, i, FrameS))
		}
		start = -1
	}
	if start >= 0 && loudEnough {
		runs = append(runs, frameSpan(start, len(levels), FrameS))
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

// noiseFloor returns the noise floor in dBFS of each floor block (2 s) of
// the frame levels.
func noiseFloor(levels []float32, frameS float64) []float32 {
	n := floorBlockFrames(frameS)
	var blocks []float32
	scratch := make([]float32, n)
	for i := 0; i < len(levels); i += n {
		b := scratch[:copy(scratch, levels[i:min(i+n, len(levels))])]
		blocks = append(blocks, nth(b, int(floorPercentile*float64(len(b)-1))))
	}
	floor := make([]float32, len(blocks))
	for i := range blocks {
		before := slices.Min(blocks[max(0, i-floorReachBlocks) : i+1])
		after := slices.Min(blocks[i:min(len(blocks), i+floorReachBlocks+1)])
		floor[i] = max(before, after)
	}
	return floor
}

// nth returns the k-th smallest value of v (0-based), reordering v: a
// quickselect, linear on average, where sorting every block cost 30 ms an
// hour.
func nth(v []float32, k int) float32 {
	lo, hi := 0, len(v)-1
	for lo < hi {
		// Median of three as the pivot, then Hoare partition.
		mid := lo + (hi-lo)/2
		if v[mid] < v[lo] {
			v[mid], v[lo] = v[lo], v[mid]
		}
		if v[hi] < v[lo] {
			v[hi], v[lo] = v[lo], v[hi]
		}
		if v[hi] < v[mid] {
			v[hi], v[mid] = v[mid], v[hi]
		}
		pivot := v[mid]
		i, j := lo, hi
		for i <= j {
			for v[i] < pivot {
				i++
			}
			for v[j] > pivot {
				j--
			}
			if i <= j {
				v[i], v[j] = v[j], v[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return v[k]
		}
	}
	return v[k]
}

// distribution answers percentile questions about a channel's frame levels
// from a histogram of 0.05 dB bins: one pass, where sorting an hour's 360,000
// levels took 30 ms.
type distribution struct {
	counts []int32
	total  int
}

const (
	histMinDB = silentDB
	histMaxDB = 40
	histStep  = 0.05
)

func newDistribution(levels []float32) distribution {
	d := distribution{counts: make([]int32, int((histMaxDB-histMinDB)/histStep)+1), total: len(levels)}
	for _, l := range levels {
		i := int((float64(l) - histMinDB) / histStep)
		d.counts[max(0, min(i, len(d.counts)-1))]++
	}
	return d
}

// at returns the level at fraction p (0..1) of the levels, to 0.05 dB.
func (d distribution) at(p float64) float32 {
	rank := int32(p * float64(d.total-1))
	var seen int32
	for i, c := range d.counts {
		if seen += c; seen > rank {
			return float32(histMinDB + (float64(i)+0.5)*histStep)
		}
	}
	return histMaxDB
}

// noiseSpread estimates the standard deviation, in dB, of the frame levels
// of the channel's noise from its quietest fifth: for normally distributed
// levels the 20th and 5th percentiles lie 0.81 standard deviations apart.
// Steady line noise gives a small spread and so small margins; babble and
// music in the background give larger ones.
func (d distribution) noiseSpread() float32 {
	if d.total < 20 {
		return 0
	}
	return (d.at(0.20) - d.at(0.05)) / 0.81
}
