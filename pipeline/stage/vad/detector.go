package vad

import (
	"math"

	"github.com/callqa/callqa/pipeline/timeline"
)

// params are the detector's internals. Config sets the four that the
// lexicon exposes; the others are fixed here, each for the reason given.
// The tests change them to measure what each is worth.
type params struct {
	// highPassHz: the 2nd-order Butterworth high-pass before anything is
	// measured removes DC and holds 50 Hz hum 24 dB down, while the
	// telephone band (300-3400 Hz) passes.
	highPassHz float64
	// lowBandHz splits the band: below it voicing and the first formant,
	// above it consonants and the second formant. The low band is also what
	// the voicing measure reads.
	lowBandHz float64
	// minPeriodicity: a frame is voiced when the normalized autocorrelation
	// of its low band peaks at least this high at a pitch lag (80-400 Hz).
	// White noise reaches about 0.3 by chance, voiced speech 0.6 and more.
	minPeriodicity float64
	// noiseWindowS is the reach of the noise statistics on each side of a
	// frame, and so the look-ahead: long enough that a window holds pauses
	// between words, short enough to follow a change of background.
	noiseWindowS float64
	// maxSpreadDB caps the standard deviation of the noise's levels: a
	// wider 1st-10th percentile spread means the 10th percentile is talk
	// (a window with few pauses), not noise.
	maxSpreadDB float64
	// spreadK: the floor is the 1st percentile of the window's levels plus
	// this many standard deviations of the noise's levels: the floor sits
	// above most of the noise, so the margins need not grow with it.
	spreadK float64
	// onDB, offDB: hysteresis around the floor (Config.OnDB, Config.OffDB).
	onDB, offDB float64
	// minLevelDB: below this level (dBFS) a frame is never speech, so that
	// dither on a silent line finds nothing.
	minLevelDB float64
	// minVoicedS is the voiced time a run of activity needs (30 ms: three
	// periods of a low voice): clicks, bursts of noise, breath and hiss
	// have none.
	minVoicedS float64
	// minFluxDB: a run whose band levels (smoothed over 30 ms) change from
	// frame to frame by less than this on average is a steady sound (tones,
	// hum, music on hold): they move under 0.2 dB, speech about 1 dB.
	minFluxDB float64
	// bridgeS, minSpeechS: Config.MinSilenceS, Config.MinSpeechS.
	bridgeS, minSpeechS float64
	// padS widens each interval at its start, for soft onsets below the
	// thresholds, and hangS at its end: word endings fade (a falling vowel,
	// a final consonant, the room's reverberation) below the floor well
	// after the hand labels say the word ends. Neither reaches into digital
	// silence.
	padS, hangS float64
	// echoDB, echoLagS: on stereo, a frame more than echoDB below the other
	// channel's loudest frame in the last echoLagS is the other party
	// leaking back (line echo, sidetone: 20-35 dB down), not speech.
	echoDB, echoLagS float64
	// minEchoCorrelation: the waveform correlation with the other channel
	// above which a frame that quiet is taken as its echo.
	minEchoCorrelation float64
	// echoPathS is the longest echo path searched: line echo cancellers
	// cover tails of 64-128 ms, sidetone is a few ms.
	echoPathS float64
}

// defaults are the settled values; see the README (Definitions) for how
// they were measured.
var defaults = params{
	highPassHz:     200,
	lowBandHz:      1000,
	minPeriodicity: 0.4,
	noiseWindowS:   4,
	maxSpreadDB:    12,
	spreadK:        2,
	onDB:           4,   // as lexicon.DefaultSettings
	offDB:          1.5, // as lexicon.DefaultSettings
	minLevelDB:     -70,
	minVoicedS:     0.03,
	minFluxDB:      0.4,
	bridgeS:        0.3,
	minSpeechS:     0.1,
	padS:           PadS,
	hangS:          HangS,
	echoDB:         15,
	echoLagS:       0.25,

	minEchoCorrelation: 0.7,
	echoPathS:          0.128,
}

// PadS and HangS are how far the detector widens each interval of speech
// before its start and after its end: soft onsets and fading word endings
// lie below the noise floor where hand labels still count them as speech.
// A test that compares intervals with turns of known times widens the turns
// as much.
const (
	PadS  = 0.02
	HangS = 0.15
)

// frameS is the analysis frame, in seconds.
const frameS = 0.01

// Detector finds speech in a stream of interleaved samples, one channel at
// a time, with a fixed look-ahead: memory does not grow with the call.
type Detector struct {
	p         params
	channels  int
	frameLen  int
	decim     int // low-band samples per periodicity sample
	filters   *filters
	own       filtered // Write's output of the filters
	ch        []*channel
	inFrame   int         // samples of the current frame seen
	partial   []frameSums // the filters' sums of that frame so far
	frames    int         // frames completed
	decided   int         // frames decided
	window    int         // noise window on each side of a frame, frames
	echoLag   int         // frames
	minVoice  int         // frames
	bridge    int         // frames
	minSpeech int         // frames
	pad, hang int         // frames
	closed    bool
	echoBuf   []float32 // isEcho's copy of the other channel's low band
}

// New returns a detector for interleaved samples of the given rate and
// channel count.
func New(sampleRate, channels int, cfg Config) *Detector {
	p := defaults
	p.onDB, p.offDB, p.bridgeS, p.minSpeechS = cfg.OnDB, cfg.OffDB, cfg.MinSilenceS, cfg.MinSpeechS
	return newDetector(sampleRate, channels, p)
}

func newDetector(sampleRate, channels int, p params) *Detector {
	d := &Detector{
		p:         p,
		channels:  channels,
		frameLen:  max(1, int(math.Round(frameS*float64(sampleRate)))),
		decim:     max(1, int(math.Round(float64(sampleRate)/2000))),
		window:    max(1, int(p.noiseWindowS/frameS)),
		echoLag:   int(p.echoLagS / frameS),
		minVoice:  max(1, int(math.Round(p.minVoicedS/frameS))),
		bridge:    int(math.Round(p.bridgeS / frameS)),
		minSpeech: int(math.Round(p.minSpeechS / frameS)),
		pad:       int(math.Round(p.padS / frameS)),
		hang:      int(math.Round(p.hangS / frameS)),
	}
	ring := 2*d.window + d.echoLag + 8
	for range channels {
		st := newChannel(ring)
		st.lowBand = make([]float32, ring*d.frameLen)
		d.ch = append(d.ch, st)
	}
	d.filters = newFilters(sampleRate, channels, d.frameLen, p)
	d.partial = make([]frameSums, channels)
	return d
}

// Write feeds interleaved samples scaled to [-1, 1], in chunks of any size.
func (d *Detector) Write(samples []float32) {
	d.filters.run(samples, &d.own)
	d.consume(&d.own)
}

// consume takes the filters' output for the next block of samples: it
// stores the low band where the voicing and echo measures read it, and
// decides every frame that block completes.
func (d *Detector) consume(f *filtered) {
	done := 0
	for i := 0; i < f.n; {
		run := min(f.n-i, d.frameLen-d.inFrame)
		pos := (d.frames%len(d.ch[0].frames))*d.frameLen + d.inFrame
		for c, st := range d.ch {
			copy(st.lowBand[pos:pos+run], f.low[c][i:i+run])
		}
		i += run
		if d.inFrame += run; d.inFrame == d.frameLen {
			d.endFrame(func(c int) frameSums { return f.frames[c][done] })
			done++
		}
	}
	copy(d.partial, f.partial)
}

// Close flushes the look-ahead and returns what was found on each channel:
// its speech, the speech's level and whether it was digital silence. Only
// those fields of Channel are set.
func (d *Detector) Close() []Channel {
	out := make([]Channel, d.channels)
	if !d.closed {
		d.closed = true
		if d.inFrame > d.frameLen/2 {
			d.endFrame(func(c int) frameSums { return d.partial[c] })
		}
		for _, st := range d.ch {
			st.smoothLast(d.frames)
		}
		for d.decided < d.frames {
			d.decide()
		}
		for _, st := range d.ch {
			st.endRun(d, d.frames)
			st.flush(d, true)
		}
	}
	for c, st := range d.ch {
		out[c] = Channel{Speech: st.speech, SpeechDBFS: math.NaN(), Silent: !st.sound}
		if st.speechFrames > 0 {
			out[c].SpeechDBFS = 10 * math.Log10(st.speechPower/float64(st.speechFrames))
		}
	}
	return out
}

// endFrame stores the features of the frame just completed in each channel
// (from the filters' sums of channel c) and decides every frame whose
// look-ahead is now complete.
func (d *Detector) endFrame(sums func(c int) frameSums) {
	n := d.frames
	for c, st := range d.ch {
		st.push(n, d.inFrame, sums(c))
	}
	d.frames++
	d.inFrame = 0
	for d.frames-1-d.decided > d.window+1 {
		d.decide()
	}
}

// decide classifies frame d.decided in every channel.
func (d *Detector) decide() {
	t := d.decided
	d.decided++
	for c, st := range d.ch {
		f := st.at(t)
		var snr [bands]float32
		score := float32(-100)
		st.slide(t, d.window)
		// The floors matter only for a frame that may be speech.
		audible := !f.gap && f.db[full] >= float32(d.p.minLevelDB)
		for b := range bands {
			if audible {
				snr[b] = f.db[b] - st.floor(b, d.window, &d.p)
				score = max(score, snr[b])
			}
		}
		on := audible && score >= float32(d.p.onDB)
		off := audible && score >= float32(d.p.offDB)
		if len(d.ch) > 1 && off {
			// Leakage of another party: far below its recent peak, and a
			// delayed copy of its waveform. A quiet party talking over a
			// loud one is as far down but not correlated with it.
			for o, other := range d.ch {
				if o != c && f.db[full] < other.peak.max(other, t, d.echoLag, d.frames)-float32(d.p.echoDB) &&
					d.isEcho(st, other, t) {
					on, off = false, false
				}
			}
		}
		// Voicing is only measured until the run has enough of it.
		voiced := false
		if on && snr[low] >= float32(d.p.offDB) && (st.runStart < 0 || st.voiced < d.minVoice) {
			voiced = d.periodicity(st, t) >= float32(d.p.minPeriodicity)
		}
		st.step(d, t, off, voiced, f.flux)
	}
}

// periodicity is the highest normalized autocorrelation of the low band,
// taken every decim-th sample (about 2 kHz), at the lags of voice pitch
// (80-400 Hz), over frames t-1 to t+2.
func (d *Detector) periodicity(st *channel, t int) float32 {
	if t < 1 || t+3 > d.frames {
		return 0
	}
	var x [128]float32
	m := min(len(x), 4*d.frameLen/d.decim)
	strided(x[:m], st.lowBand, (t-1)*d.frameLen, d.decim)
	rate := float32(d.frameLen) / frameS / float32(d.decim)
	minLag, maxLag := int(rate/400), min(m/2, int(rate/80))
	n := m - maxLag
	var e0 float32
	for i := range n {
		e0 += x[i] * x[i]
	}
	best := float32(0)
	for lag := minLag; lag <= maxLag; lag++ {
		xy, yy := dotAndPower(x[:n], x[lag:lag+n])
		if xy > 0 && xy*xy > best*best*e0*yy {
			best = xy / float32(math.Sqrt(float64(e0*yy)))
		}
	}
	return best
}

// isEcho reports whether the low band of st around frame t (frames t-1 to
// t+1, at about 2 kHz) is a copy of the low band of other up to echoLag
// earlier: normalized cross-correlation near 1 for an echo or sidetone (a
// delayed, attenuated copy), near 0 for independent speech. It looks at
// the low band as it is and at its first differences: a copy stays a copy
// in both, and the differences take low tones out (mains hum and its
// harmonics hide a quiet echo under them), while the band as it is holds
// against white noise, which differencing brings up. The echo path keeps
// its delay, so the lags next to the one last found are tried every frame,
// and the full search (256 lags, most of the detector's time on a noisy
// line) only when they fail, at most once every echoSearchFrames, in each
// signal by turns: it finds a new path, and a path does not change from
// frame to frame (a failed search is speech over the other party's, or
// background, or the ends of a turn beside the other's).
func (d *Detector) isEcho(st, other *channel, t int) bool {
	if t < 1 || t+2 > d.frames {
		return true // too near the edges to tell: the level test alone
	}
	if d.echoIn(strided, st, other, t, false) || d.echoIn(slope, st, other, t, false) {
		return true
	}
	if t < st.nextSearch {
		return false
	}
	st.nextSearch = t + echoSearchFrames
	st.searchSlope = !st.searchSlope
	if st.searchSlope {
		return d.echoIn(slope, st, other, t, true)
	}
	return d.echoIn(strided, st, other, t, true)
}

// echoIn is isEcho's test on the signals load takes from the rings: at the
// lags next to the last path found, or at every lag with full.
func (d *Detector) echoIn(load func(dst, ring []float32, from, step int), st, other *channel, t int, full bool) bool {
	first := (t - 1) * d.frameLen
	var x [96]float32
	m := min(len(x), 3*d.frameLen/d.decim)
	load(x[:m], st.lowBand, first, d.decim)
	var xx float32
	for _, v := range x[:m] {
		xx += v * v
	}
	// Lags reach back to the start of the stream at most (slope reads one
	// sample before its first).
	maxLag := max(0, min(int(d.p.echoPathS*float64(d.frameLen)/frameS), first-d.decim)/d.decim)
	min2 := float32(d.p.minEchoCorrelation * d.p.minEchoCorrelation)
	// ys holds other's signal from maxLag samples before the window to its
	// end, or the part of it the lags near the last path need:
	// ys[maxLag-lag+i] is other[i-lag] below.
	if cap(d.echoBuf) < m+maxLag {
		d.echoBuf = make([]float32, m+maxLag)
	}
	ys := d.echoBuf[:m+maxLag]
	lo, hi := 0, maxLag
	if !full {
		lo, hi = max(0, st.echoAt-2), min(maxLag, st.echoAt+2)
	}
	if lo > hi {
		return false
	}
	load(ys[maxLag-hi:maxLag-lo+m], other.lowBand, first-hi*d.decim, d.decim)
	// yy slides with the lag: the window of other ending lag samples back.
	var yy float32
	for _, v := range ys[maxLag-lo : maxLag-lo+m] {
		yy += v * v
	}
	for lag := lo; lag <= hi; lag++ {
		if lag > lo {
			out, in := ys[maxLag-lag+m], ys[maxLag-lag]
			yy += in*in - out*out
		}
		if correlatedAt(x[:m], ys[maxLag-lag:maxLag-lag+m], xx, yy, min2) {
			st.echoAt = lag
			return true
		}
	}
	return false
}

// strided copies every step-th sample of a ring buffer into dst, from
// absolute sample position from on (positions wrap around the ring).
func strided(dst, ring []float32, from, step int) {
	i := from % len(ring)
	if i < 0 {
		i += len(ring)
	}
	for k := range dst {
		dst[k] = ring[i]
		if i += step; i >= len(ring) {
			i -= len(ring)
		}
	}
}

// slope is strided for the first differences of the samples taken.
func slope(dst, ring []float32, from, step int) {
	i := (from - step) % len(ring)
	if i < 0 {
		i += len(ring)
	}
	prev := ring[i]
	for k := range dst {
		if i += step; i >= len(ring) {
			i -= len(ring)
		}
		dst[k] = ring[i] - prev
		prev = ring[i]
	}
}

// dotAndPower returns x·y and y·y, summed in two lanes each.
func dotAndPower(x, y []float32) (xy, yy float32) {
	y = y[:len(x)]
	var a, b, c, e float32
	i := 0
	for ; i+2 <= len(x); i += 2 {
		a += x[i] * y[i]
		b += x[i+1] * y[i+1]
		c += y[i] * y[i]
		e += y[i+1] * y[i+1]
	}
	for ; i < len(x); i++ {
		a += x[i] * y[i]
		c += y[i] * y[i]
	}
	return a + b, c + e
}

// correlatedAt reports whether y is a scaled copy of x: their normalized
// cross-correlation at least sqrt(min2). The product is summed in four
// lanes, so the CPU overlaps them: the echo search's inner loop.
func correlatedAt(x, y []float32, xx, yy, min2 float32) bool {
	y = y[:len(x)]
	var a, b, c, e float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		a += x[i] * y[i]
		b += x[i+1] * y[i+1]
		c += x[i+2] * y[i+2]
		e += x[i+3] * y[i+3]
	}
	for ; i < len(x); i++ {
		a += x[i] * y[i]
	}
	xy := (a + b) + (c + e)
	return xy > 0 && xy*xy >= min2*xx*yy
}

// echoSearchFrames is how often at most the full echo search runs.
const echoSearchFrames = 10

// Bands: the whole band after the high-pass, and its parts below and
// above lowBandHz.
const (
	full = iota
	low
	high
	bands
)

// frame is what one 10 ms frame left after measuring.
type frame struct {
	power  [bands]float32 // mean square per band
	db     [bands]float32 // the same in dBFS
	smooth [bands]float32 // level averaged over three frames, dBFS
	cum    float64        // the channel's full-band power before this frame
	gap    bool           // digital silence: at least 90 % exact zeros (quiet noise in 8-bit PCM has many zeros too), or below codecSilenceDB
	noise  bool           // smoothed level may enter the noise statistics
	flux   float32        // mean change of the smoothed low and high band levels since the frame before, dB
}

// channel is one channel's state: filters, a ring of recent frames, the
// noise statistics, the speech segmenter and what it found.
type channel struct {
	lowBand     []float32 // the low-passed signal of the frames in the ring
	cum         float64   // full-band power of all frames so far
	sound       bool      // some frame was not digital silence
	echoAt      int       // lag of the last echo found, low-band samples
	nextSearch  int       // first frame where the full echo search may run again
	searchSlope bool      // the last full echo search was of the first differences
	peak        peaks     // the loudest recent frames, for the other channel's echo test

	frames []frame
	before [bands]levelHist // smoothed levels of the look-back window
	after  [bands]levelHist // and of the look-ahead window

	runStart, voiced int     // current run of active frames; -1 when none
	runPad           int     // padding room before the run
	runCum           float64 // power before the run and its padding
	flux             float32 // sum of the run's frame-to-frame level changes
	seg              segment // pending speech; start -1 when none
	emitted          int     // end of the last interval emitted, frames
	emittedCum       float64 // power before that

	speech       []timeline.Interval
	speechPower  float64 // summed over the speech frames
	speechFrames int
}

func newChannel(ring int) *channel {
	s := &channel{frames: make([]frame, ring), runStart: -1, seg: segment{start: -1}}
	for b := range bands {
		s.before[b] = newLevelHist()
		s.after[b] = newLevelHist()
	}
	return s
}

func (s *channel) at(i int) *frame { return &s.frames[i%len(s.frames)] }

// filters run the band filters over interleaved samples, a block at a time,
// and sum each frame's power per band. They keep no look-ahead, so Analyze
// runs them on the reading goroutine, a block ahead of the frame decisions
// (consume), which use the second core that way on a long call.
type filters struct {
	hp, lp   biquad
	frameLen int
	inFrame  int // samples of the current frame seen
	ch       []filterChannel
}

// filterChannel is one channel's filter memory and its current frame's sums.
type filterChannel struct {
	filter filterState
	sums   frameSums
}

// frameSums is what the filters leave of one frame of one channel.
type frameSums struct {
	energy [bands]float32 // summed squares per band
	zeros  int            // exact zeros among the samples
}

// filtered is the filters' output for one block of samples.
type filtered struct {
	n       int           // samples per channel
	low     [][]float32   // per channel: the low band of each sample
	frames  [][]frameSums // per channel: the frames the block completes
	partial []frameSums   // per channel: the frame still open at its end
}

func newFilters(sampleRate, channels, frameLen int, p params) *filters {
	return &filters{
		hp:       butter(p.highPassHz, sampleRate, true),
		lp:       butter(p.lowBandHz, sampleRate, false),
		frameLen: frameLen,
		ch:       make([]filterChannel, channels),
	}
}

// run filters interleaved samples into out, reusing its buffers.
func (fs *filters) run(samples []float32, out *filtered) {
	nc := len(fs.ch)
	n := len(samples) / nc
	if len(out.low) != nc {
		out.low, out.frames, out.partial = make([][]float32, nc), make([][]frameSums, nc), make([]frameSums, nc)
	}
	out.n = n
	for c := range nc {
		if cap(out.low[c]) < n {
			out.low[c] = make([]float32, n)
		}
		out.low[c] = out.low[c][:n]
		out.frames[c] = out.frames[c][:0]
	}
	for i := 0; i < n; {
		run := min(n-i, fs.frameLen-fs.inFrame)
		block := samples[i*nc : (i+run)*nc]
		if nc == 2 {
			measureStereo(&fs.ch[0], &fs.ch[1], block, fs.hp, fs.lp, out.low[0][i:i+run], out.low[1][i:i+run])
		} else {
			for c := range fs.ch {
				fs.ch[c].measure(block, c, nc, fs.hp, fs.lp, out.low[c][i:i+run])
			}
		}
		i += run
		if fs.inFrame += run; fs.inFrame == fs.frameLen {
			fs.inFrame = 0
			for c := range fs.ch {
				out.frames[c] = append(out.frames[c], fs.ch[c].sums)
				fs.ch[c].sums = frameSums{}
			}
		}
	}
	for c := range fs.ch {
		out.partial[c] = fs.ch[c].sums
	}
}

// filterState is one channel's filter memory, in the scaled units of
// measureStereo.
type filterState struct {
	x1, d1, u1, u2 float32 // high-pass: last input, last first difference, last two outputs
	s1, v1, v2     float32 // low-pass: last sum of two inputs, last two outputs
}

// tiny is where filter memory is flushed to zero: some 140 dB below the
// quietest 16-bit sample, far under anything the detector measures, and
// far above float32's subnormals (below 1.2e-38).
const tiny = 1e-20

// flush zeroes filter memory that has decayed to nothing. After digital
// silence an IIR filter's tail would otherwise sink into subnormal floats,
// where every multiply takes a slow path (Go cannot set the CPU to flush
// them), and ring there: the cost of exact zeros was most of the filters'.
func (f *filterState) flush() {
	for _, v := range []*float32{&f.x1, &f.d1, &f.u1, &f.u2, &f.s1, &f.v1, &f.v2} {
		if *v > -tiny && *v < tiny {
			*v = 0
		}
	}
}

// The filters are the two Butterworth sections with their gains taken out:
// a high-pass y = b0·(x - 2x1 + x2) - a1·y1 - a2·y2 is b0 times
// u = (d - d1) - a1·u1 - a2·u2, with d the first difference of x, and the
// low-pass of y is b0·b0' times v = (s + s1) - a1'·v1 - a2'·v2, with s the
// sum of two successive u. That saves the multiplies by b0 and one add per
// section; the gains come back in the frame's power sums (add), and the
// voicing and echo measures read v, being normalized correlations. The
// loops keep the filter memory in locals (registers), each section's
// recursion as two dependent operations (the older output first), and
// measure the high band as the power the low-pass takes out: a Butterworth
// low-pass and high-pass at one frequency are power complementary. They run
// in float32: samples are float32 already, and the band they must get right
// is far from the precision limit even at 48 kHz.

// measure runs channel c of an interleaved block through the filters,
// leaving the low band in dst.
func (s *filterChannel) measure(block []float32, c, nc int, hp, lp biquad, dst []float32) {
	ha1, ha2 := float32(hp.a1), float32(hp.a2)
	la1, la2 := float32(lp.a1), float32(lp.a2)
	f := s.filter
	var e, el float32
	zeros := 0
	for k := c; k < len(block); k += nc {
		x := block[k]
		if x == 0 {
			zeros++
		}
		d := x - f.x1
		u := (d - f.d1 - ha2*f.u2) - ha1*f.u1
		sum := u + f.u1
		v := (sum + f.s1 - la2*f.v2) - la1*f.v1
		f.x1, f.d1, f.u2, f.u1 = x, d, f.u1, u
		f.s1, f.v2, f.v1 = sum, f.v1, v
		dst[k/nc] = v
		e += u * u
		el += v * v
	}
	f.flush()
	s.filter = f
	s.add(e, el, zeros, hp, lp)
}

// measureStereoGo is measure for both channels of a stereo block: each
// pass runs both channels' sections, which are independent, so the CPU
// overlaps them. The high-pass output goes to dst, which the low-pass then
// overwrites: two short loops keep their state in registers where one long
// one spilled. On amd64 measureStereo runs the same operations in SSE
// (filter_amd64.s).
func measureStereoGo(l, r *filterChannel, block []float32, hp, lp biquad, ldst, rdst []float32) {
	n := min(len(block)/2, len(ldst), len(rdst))
	block, ldst, rdst = block[:2*n], ldst[:n], rdst[:n]
	ha1, ha2 := float32(hp.a1), float32(hp.a2)
	f, g := &l.filter, &r.filter
	x1, d1, u1, u2 := f.x1, f.d1, f.u1, f.u2
	w1, c1, t1, t2 := g.x1, g.d1, g.u1, g.u2
	var le, re float32
	lz, rz := 0, 0
	for j := range n {
		x, w := block[2*j], block[2*j+1]
		if x == 0 {
			lz++
		}
		if w == 0 {
			rz++
		}
		d, c := x-x1, w-w1
		u := (d - d1 - ha2*u2) - ha1*u1
		t := (c - c1 - ha2*t2) - ha1*t1
		x1, d1, u2, u1 = x, d, u1, u
		w1, c1, t2, t1 = w, c, t1, t
		ldst[j], rdst[j] = u, t
		le += u * u
		re += t * t
	}
	u1l, u1r := f.u1, g.u1 // the low-pass's last input
	f.x1, f.d1, f.u1, f.u2 = x1, d1, u1, u2
	g.x1, g.d1, g.u1, g.u2 = w1, c1, t1, t2
	la1, la2 := float32(lp.a1), float32(lp.a2)
	p1, s1, v1, v2 := u1l, f.s1, f.v1, f.v2
	q1, r1, z1, z2 := u1r, g.s1, g.v1, g.v2
	var lel, rel float32
	for j := range n {
		x, w := ldst[j], rdst[j]
		sx, sw := x+p1, w+q1
		v := (sx + s1 - la2*v2) - la1*v1
		z := (sw + r1 - la2*z2) - la1*z1
		p1, s1, v2, v1 = x, sx, v1, v
		q1, r1, z2, z1 = w, sw, z1, z
		ldst[j], rdst[j] = v, z
		lel += v * v
		rel += z * z
	}
	f.s1, f.v1, f.v2 = s1, v1, v2
	g.s1, g.v1, g.v2 = r1, z1, z2
	f.flush()
	g.flush()
	l.add(le, lel, lz, hp, lp)
	r.add(re, rel, rz, hp, lp)
}

// add sums a block's power in the scaled units of the filters, with their
// gains put back.
func (s *filterChannel) add(e, el float32, zeros int, hp, lp biquad) {
	gh, gl := float32(hp.b0*hp.b0), float32(hp.b0*hp.b0*lp.b0*lp.b0)
	e, el = e*gh, el*gl
	s.sums.energy[full] += e
	s.sums.energy[low] += el
	s.sums.energy[high] += max(0, e-el)
	s.sums.zeros += zeros
}

// push stores frame n (of length samples, with the filters' sums) and
// smooths frame n-1.
func (s *channel) push(n, length int, sums frameSums) {
	f := s.at(n)
	*f = frame{cum: s.cum}
	for b := range bands {
		f.power[b] = sums.energy[b] / float32(length)
		f.db[b] = toDB(f.power[b])
	}
	s.cum += float64(f.power[full])
	s.sound = s.sound || f.db[full] > silentDB
	f.gap = sums.zeros*10 >= 9*length || f.db[full] < codecSilenceDB
	if n >= 1 {
		s.smooth(n-1, max(0, n-2), n)
	}
}

// smoothLast smooths the final frame at the end of the stream.
func (s *channel) smoothLast(frames int) {
	if frames > 0 {
		s.smooth(frames-1, max(0, frames-2), frames-1)
	}
}

// smooth averages the power of frames [from, to] into frame i's smoothed
// levels and offers them to the look-ahead statistics. Digital silence and
// frames touching it stay out, so gaps of zeros cannot drag the floor down.
func (s *channel) smooth(i, from, to int) {
	var p [bands]float32
	gap := false
	for k := from; k <= to; k++ {
		f := s.at(k)
		gap = gap || f.gap
		for b := range bands {
			p[b] += f.power[b]
		}
	}
	f := s.at(i)
	f.noise = !gap
	for b := range bands {
		f.smooth[b] = toDB(p[b] / float32(to-from+1))
		if f.noise {
			s.after[b].add(f.smooth[b])
		}
	}
	if i > 0 {
		g := s.at(i - 1)
		f.flux = (abs(f.smooth[low]-g.smooth[low]) + abs(f.smooth[high]-g.smooth[high])) / 2
	}
}

// slide moves frame t from the look-ahead statistics to the look-back ones,
// and drops the frame that leaves the look-back window.
func (s *channel) slide(t, window int) {
	if f := s.at(t); f.noise {
		for b := range bands {
			s.after[b].remove(f.smooth[b])
			s.before[b].add(f.smooth[b])
		}
	}
	if old := t - window - 1; old >= 0 {
		if f := s.at(old); f.noise {
			for b := range bands {
				s.before[b].remove(f.smooth[b])
			}
		}
	}
}

// floor is the noise floor of band b at the frame last slid. Each side
// gives its own floor and the higher counts, so that a step of background
// level is followed at once in either direction; a side with under half a
// window of levels (the start and end of the stream) is left out.
func (s *channel) floor(b, window int, p *params) float32 {
	k, most := float32(p.spreadK), float32(p.maxSpreadDB)
	bf, okB := s.before[b].floor(k, most)
	af, okA := s.after[b].floor(k, most)
	switch {
	case !okA && !okB:
		return 0 // nothing but digital silence around: nothing is speech
	case !okA:
		return bf
	case !okB:
		return af
	}
	longB, longA := s.before[b].n >= int32(window/2), s.after[b].n >= int32(window/2)
	switch {
	case longB && longA:
		return max(af, bf)
	case longB:
		return bf
	case longA:
		return af
	}
	return min(af, bf) // a stream shorter than the window
}

func abs(x float32) float32 { return max(x, -x) }

// peaks is a channel's loudest recent frame, kept over a sliding window
// of frames with a monotonic queue: the frames whose level no later frame
// in the window reaches, loudest first.
type peaks struct {
	queue      [64]int // frame numbers, a ring; the window is shorter
	head, tail int     // queue[head%64 : tail%64] is in use
	next       int     // the next frame to enter
}

// max is the loudest level (full band) of frames [t-lag, t+2] of n, for
// t that never goes back.
func (p *peaks) max(s *channel, t, lag, n int) float32 {
	level := func(k int) float32 { return s.at(p.queue[k%len(p.queue)]).db[full] }
	if p.next < t-lag { // not asked for a while: every frame queued has left
		p.next, p.head = t-lag, p.tail
	}
	for ; p.next <= min(t+2, n-1); p.next++ {
		v := s.at(p.next).db[full]
		for p.tail > p.head && level(p.tail-1) <= v {
			p.tail--
		}
		p.queue[p.tail%len(p.queue)] = p.next
		p.tail++
	}
	for p.tail > p.head && p.queue[p.head%len(p.queue)] < t-lag {
		p.head++
	}
	if p.tail == p.head {
		return -200
	}
	return level(p.head)
}

// step advances the segmenter by frame t.
func (s *channel) step(d *Detector, t int, active, voiced bool, flux float32) {
	if active {
		if s.runStart < 0 {
			s.runStart, s.voiced, s.flux = t, 0, 0
			s.runPad = s.padRoom(d, t-1, -1)
			s.runCum = s.cumAt(d, t-s.runPad)
		}
		s.flux += flux
		if voiced {
			s.voiced++
		}
		return
	}
	s.endRun(d, t)
	// Speech never bridges digital silence.
	s.flush(d, s.at(t).gap)
}

// padRoom counts frames from i on in steps of dir (back: up to the
// padding; on: up to the hangover) that are not digital silence: neither
// reaches into a gap.
func (s *channel) padRoom(d *Detector, i, dir int) int {
	most := d.pad
	if dir > 0 {
		most = d.hang
	}
	n := 0
	for ; n < most && i >= 0 && i < d.frames && !s.at(i).gap; i += dir {
		n++
	}
	return n
}

// endRun closes the current run at frame t and adds it to the pending
// speech if it had enough voiced frames and was not a steady sound.
func (s *channel) endRun(d *Detector, t int) {
	if s.runStart < 0 {
		return
	}
	start := s.runStart
	s.runStart = -1
	if s.voiced < d.minVoice || s.flux < float32(d.p.minFluxDB)*float32(t-start) {
		return
	}
	t = s.lastVoiced(d, start, t)
	padEnd := s.padRoom(d, t, 1)
	endCum := s.cumAt(d, t+padEnd)
	if s.seg.start >= 0 && start-s.seg.end <= d.bridge {
		s.seg.end, s.seg.padEnd, s.seg.endCum = t, padEnd, endCum
		return
	}
	s.flush(d, true)
	s.seg = segment{start, t, s.runPad, padEnd, s.runCum, endCum}
}

// trimS is how far back from the end of a run its last voiced frame is
// looked for.
const trimS = 1.0

// lastVoiced is where an accepted run of frames start..end-1 really ends:
// after its last voiced frame, when that is within trimS of the end. The
// frames after it passed the level test alone: a background that steps up
// as the speaker stops (Mandarin syllables end voiced, and the hangover
// covers unvoiced word endings elsewhere).
func (s *channel) lastVoiced(d *Detector, start, end int) int {
	most := int(trimS / frameS)
	for i := end - 1; i > start && i >= end-most; i-- {
		if d.periodicity(s, i) >= float32(d.p.minPeriodicity) {
			return i + 1
		}
	}
	return end
}

// cumAt is the channel's full-band power before frame i, which must still
// be in the ring (or be the next frame): the speech level is a difference
// of two of these, so that it costs nothing per frame of a long interval.
func (s *channel) cumAt(d *Detector, i int) float64 {
	if i >= d.frames {
		return s.cum
	}
	return s.at(i).cum
}

// segment is pending speech: frames [start, end), to be widened by the
// padding on each side; startCum and endCum are the channel's power
// before and after the padded frames.
type segment struct {
	start, end, padStart, padEnd int
	startCum, endCum             float64
}

// flush ends the pending speech once nothing can join it any more (or at
// once with force).
func (s *channel) flush(d *Detector, force bool) {
	seg := s.seg
	if seg.start < 0 || !force && (s.runStart >= 0 || d.decided-seg.end <= d.bridge) {
		return
	}
	s.seg.start = -1
	if seg.end-seg.start < d.minSpeech {
		return
	}
	from, cum := seg.start-seg.padStart, seg.startCum
	if from < s.emitted { // the paddings meet
		from, cum = s.emitted, s.emittedCum
	}
	s.emitted, s.emittedCum = seg.end+seg.padEnd, seg.endCum
	s.speechPower += seg.endCum - cum
	s.speechFrames += s.emitted - from
	s.speech = append(s.speech, timeline.Interval{Start: float64(from) * frameS, End: float64(s.emitted) * frameS})
}

// codecSilenceDB: a frame below this level (dBFS) is digital silence too.
// Lossy codecs decode exact zeros as ringing and noise 80 to 100 dB down,
// and no analog line is that quiet (minLevelDB, -70 dBFS, is never speech).
const codecSilenceDB = -80

// silentDB is the level of a frame of digital silence.
const silentDB = -130

// toDB converts a power to dB, to within 0.001 dB: the exponent of the
// float, and log2 of its mantissa m from the series of atanh in
// u = (m-1)/(m+1) <= 1/3 (math.Log10 took a tenth of the detector's time).
func toDB(power float32) float32 {
	if power <= 1e-13 {
		return silentDB
	}
	bits := math.Float32bits(power)
	e := float32(int32(bits>>23&0xff) - 127)
	m := math.Float32frombits(bits&0x7fffff | 0x3f800000) // in [1, 2)
	u := (m - 1) / (m + 1)
	u2 := u * u
	l := 2.8853900817779268 * u * (1 + u2*(1.0/3+u2*(1.0/5+u2*(1.0/7))))
	return (e + l) * 3.0102999566398120
}

// levelHist counts the smoothed levels of a sliding window in 0.5 dB bins,
// and follows the bins of its 1st and 10th percentiles as levels come and
// go, so that the floor costs a step or two, not a scan, each frame.
type levelHist struct {
	count   []int32
	n       int32
	p1, p10 rank
}

// rank is where a percentile lies: its bin, and how many levels lie in the
// bins below it.
type rank struct {
	bin   int
	below int32
}

const (
	histLowDB = -110
	histStep  = 0.5
	histBins  = 250
)

func newLevelHist() levelHist { return levelHist{count: make([]int32, histBins)} }

func histBin(v float32) int {
	return max(0, min(histBins-1, int((v-histLowDB)/histStep)))
}

func (h *levelHist) add(v float32) {
	b := histBin(v)
	h.count[b]++
	h.n++
	h.p1.moved(b, 1)
	h.p10.moved(b, 1)
}

func (h *levelHist) remove(v float32) {
	b := histBin(v)
	h.count[b]--
	h.n--
	h.p1.moved(b, -1)
	h.p10.moved(b, -1)
}

// moved counts a level added to (by 1) or taken from (by -1) bin b.
func (r *rank) moved(b int, by int32) {
	if b < r.bin {
		r.below += by
	}
}

// settle moves r to the bin that holds the level of rank k (0-based, from
// the lowest): below <= k < below + count[bin].
func (r *rank) settle(count []int32, k int32) {
	for k < r.below {
		r.bin--
		r.below -= count[r.bin]
	}
	for r.below+count[r.bin] <= k {
		r.below += count[r.bin]
		r.bin++
	}
}

// floor returns the noise floor of the levels: their 1st percentile plus
// k standard deviations of the noise, estimated from the 1st and 10th
// percentiles (1.05 standard deviations apart for normally distributed
// levels). Percentiles, not minima: a fluctuating background has minima far
// below its typical level. It reports false when the window is empty.
func (h *levelHist) floor(k, most float32) (float32, bool) {
	if h.n == 0 {
		return 0, false
	}
	h.p1.settle(h.count, h.n/100)
	h.p10.settle(h.count, h.n/10)
	level := func(b int) float32 { return histLowDB + (float32(b)+0.5)*histStep }
	p1 := level(h.p1.bin)
	return p1 + k*min(most, (level(h.p10.bin)-p1)/1.05), true
}

// biquad is a second-order IIR section; a high-pass has b1 = -2·b0 and
// b2 = b0, a low-pass b1 = 2·b0 and b2 = b0, so b0 stands for all three.
type biquad struct{ b0, a1, a2 float64 }

// butter is a Butterworth high-pass or low-pass section at fc (RBJ
// cookbook).
func butter(fc float64, rate int, high bool) biquad {
	w := 2 * math.Pi * min(fc, 0.45*float64(rate)) / float64(rate)
	alpha := math.Sin(w) / math.Sqrt2 // sin(w) / 2Q with Q = 1/sqrt(2)
	cw := math.Cos(w)
	a0 := 1 + alpha
	b0 := (1 - cw) / 2 / a0
	if high {
		b0 = (1 + cw) / 2 / a0
	}
	return biquad{b0: b0, a1: -2 * cw / a0, a2: (1 - alpha) / a0}
}
