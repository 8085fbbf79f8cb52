// Package pipeline runs the stages that turn one call into a Call value,
// and runs many calls in parallel; the stages live in pipeline/stage, the
// inputs and outputs in pipeline/source and pipeline/sink, the views in
// pipeline/view.
package pipeline

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
	"unicode"

	"github.com/callqa/callqa/lexicon"
	"github.com/callqa/callqa/pipeline/source"
	"github.com/callqa/callqa/pipeline/stage/audio"
	"github.com/callqa/callqa/pipeline/stage/decode"
	"github.com/callqa/callqa/pipeline/stage/features"
	"github.com/callqa/callqa/pipeline/stage/normalize"
	"github.com/callqa/callqa/pipeline/stage/rules"
	"github.com/callqa/callqa/pipeline/stage/score"
	"github.com/callqa/callqa/pipeline/stage/segment"
	"github.com/callqa/callqa/pipeline/stage/similar"
	"github.com/callqa/callqa/pipeline/stage/transcript"
	"github.com/callqa/callqa/pipeline/timeline"
)

// Config is what a run needs to know.
type Config struct {
	Lexicon *lexicon.Lexicon
	// AgentChannel is the run's agent channel (Unset: left); a manifest
	// may set another per call.
	AgentChannel source.Channel
	// AgentRoles and CustomerRoles are the role words of plain-text and
	// subtitle transcripts (empty: the defaults of package transcript).
	AgentRoles, CustomerRoles []string
	// ReadAhead decodes each recording on a second goroutine: set it when
	// fewer calls run at once than there are cores.
	ReadAhead bool
	// CallTimeout is the most one call may take in Run before it becomes
	// an error row (0: no limit). It also bounds an ffmpeg decode, whose
	// processes are then killed.
	CallTimeout time.Duration
	// Decoder picks the decoder of recordings (--decoder).
	Decoder decode.Mode
	// ExactOnly leaves out the similarity model: lexicon train, which
	// builds it, runs the exact rules alone.
	ExactOnly bool
}

// Engine processes calls. It holds the compiled lexicon and the one shared
// segmenter, and is safe for concurrent use.
type Engine struct {
	cfg      Config
	version  string // the lexicon's
	matcher  *rules.Matcher
	similar  *similar.Stage // nil when no rule turns the model on
	features features.Config
	audio    audio.Config
	// segmenter is built once, on first use: about half a second and
	// 130 MB, which a run over recordings alone never pays. Lexicon words
	// are added inside that one build, before any Cut.
	segmenter func() (*segment.Segmenter, error)
}

// New compiles the lexicon.
func New(cfg Config) (*Engine, error) {
	if cfg.Lexicon == nil {
		return nil, errors.New("pipeline: no lexicon")
	}
	cfg.AgentChannel = cfg.AgentChannel.Or(source.Left)
	m := rules.Compile(cfg.Lexicon)
	s := cfg.Lexicon.Settings
	var stage *similar.Stage
	if !cfg.ExactOnly {
		var err error
		if stage, err = loadSimilar(cfg.Lexicon); err != nil {
			return nil, err
		}
	}
	version := cfg.Lexicon.ID()
	if stage != nil {
		version += "+model." + stage.Model().Hash()
	}
	return &Engine{
		cfg:     cfg,
		version: version,
		matcher: m,
		similar: stage,
		features: features.Config{
			DeadAirMinS: s.DeadAirMinS, OvertalkMinS: s.OvertalkMinS, BackchannelMaxS: s.BackchannelMaxS,
		},
		audio: audio.NewConfig(s, cfg.ReadAhead, decode.Options{Mode: cfg.Decoder, Timeout: cfg.CallTimeout}),
		segmenter: sync.OnceValues(func() (*segment.Segmenter, error) {
			return segment.NewWith(m.Words)
		}),
	}, nil
}

// loadSimilar reads the model the lexicon's similar rules use: none
// without such rules. The model must have been trained for the lexicon
// that names it.
func loadSimilar(lex *lexicon.Lexicon) (*similar.Stage, error) {
	var first *lexicon.Rule
	for i := range lex.Rules {
		if lex.Rules[i].Kind == lexicon.KindSimilar {
			first = &lex.Rules[i]
			break
		}
	}
	if first == nil {
		return nil, nil
	}
	ref := lex.ModelRef()
	if ref == nil {
		return nil, fmt.Errorf("lexicon %s: rule %q is of kind similar, but no lexicon file names a model (model: FILE, built by callqa lexicon train)", lex.Name, first.ID)
	}
	data, err := ref.Read()
	if err != nil {
		return nil, err
	}
	m, err := similar.Parse(ref.Path, data)
	if err != nil {
		return nil, err
	}
	if m.Lexicon != ref.For {
		return nil, fmt.Errorf("%s:2: the model was trained for lexicon %s, not %s (named at %s:%d): rebuild it with callqa lexicon train", ref.Path, m.Lexicon, ref.For, ref.Lexicon, ref.Line)
	}
	return similar.NewStage(m, lex)
}

// WithSimilar is the engine with another similarity stage (nil: the exact
// rules alone), sharing its rules and segmenter: how lexicon eval measures
// models trained on part of a corpus.
func (e *Engine) WithSimilar(s *similar.Stage) *Engine {
	out := *e
	out.similar = s
	return &out
}

// Similar is the engine's similarity stage, nil when no rule turns it on.
func (e *Engine) Similar() *similar.Stage { return e.similar }

// LexiconVersion identifies the rules and settings in force.
func (e *Engine) LexiconVersion() string { return e.version }

// Process runs every stage on one call, in order. A failure, or a panic (a
// bug in a stage, met on one odd input), becomes the call's Err, so that
// the batch goes on.
func (e *Engine) Process(in source.Call) (c Call) {
	c = e.found(in)
	fail := func(err error) Call { return c.failed(err) }
	defer func() {
		if p := recover(); p != nil {
			c = fail(fmt.Errorf("internal error (please report it): %v", p))
		}
	}()
	if in.Err != nil {
		return fail(in.Err)
	}
	if err := e.read(&c); err != nil {
		return fail(err)
	}
	e.measure(&c)
	if err := e.check(&c); err != nil {
		return fail(err)
	}
	var warnings []string
	c.Review, warnings = reviewReasons(&c)
	c.Warnings = append(c.Warnings, warnings...)
	return c
}

// found is a call as found, before any stage.
func (e *Engine) found(in source.Call) Call {
	return Call{Source: in, AgentChannel: in.AgentChannel.Or(e.cfg.AgentChannel), LexiconVersion: e.version}
}

// read decodes and analyzes the recording and reads the transcript.
func (e *Engine) read(c *Call) error {
	c.Warnings = append([]string{}, c.Source.Warnings...)
	var errs []error
	if path := c.Source.AudioPath; path != "" {
		rec, err := audio.Analyze(path, e.audio)
		if err != nil {
			errs = append(errs, fmt.Errorf("audio %s: %w", path, err))
		} else {
			c.Recording = rec
			c.Warnings = append(c.Warnings, rec.Warnings...)
		}
	}
	if path := c.Source.TranscriptPath; path != "" {
		t, err := transcript.ReadFile(path, transcript.Options{
			AgentChannel: c.AgentChannel.Index(), AgentRoles: e.cfg.AgentRoles, CustomerRoles: e.cfg.CustomerRoles,
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("transcript %s: %w", path, err))
		} else {
			c.Transcript = t
			for _, w := range t.Warnings {
				c.Warnings = append(c.Warnings, "transcript: "+w)
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	c.Warnings = append(c.Warnings, pastRecording(c)...)
	return nil
}

// pastRecording warns when a timed transcript goes on after its recording
// ends: the recording is truncated, or the times are wrong. The times are
// kept (those beyond a day were refused when the transcript was read), so
// that the gap stays visible.
func pastRecording(c *Call) []string {
	if c.Recording == nil || c.Transcript == nil || !c.Transcript.Timed {
		return nil
	}
	const slackS = 1 // ASR rounds times; a recording's end is not a word's
	dur := c.Recording.Duration
	n := 0
	var first transcript.Segment
	for _, s := range c.Transcript.Segments {
		if s.End > dur+slackS {
			if n == 0 {
				first = s
			}
			n++
		}
	}
	if n == 0 {
		return nil
	}
	return []string{fmt.Sprintf("transcript: %d segments end after the recording does (%.1f s), the first at %.1f–%.1f s: the recording is truncated or the transcript's times are wrong",
		n, dur, first.Start, first.End)}
}

// measure finds who spoke when and measures the conversation. Without a
// recording, a timed transcript's times are the parties' speech, and
// silence and overtalk are measured on them.
func (e *Engine) measure(c *Call) {
	switch {
	case c.Stereo():
		c.Parties = &Parties{Agent: c.AgentAudio().Speech, Customer: c.CustomerAudio().Speech}
	case c.Transcript != nil && c.Transcript.Timed:
		c.Parties = &Parties{Agent: c.Transcript.Intervals(transcript.Agent), Customer: c.Transcript.Intervals(transcript.Customer)}
	}
	switch {
	case c.Recording != nil:
		sil := features.MeasureSilence(timeline.Union(c.Recording.Speech()...), e.features)
		c.Silence = &sil
	case c.Parties != nil:
		// Speech of no known speaker is speech too.
		sil := features.MeasureSilence(timeline.Union(c.Parties.Agent, c.Parties.Customer, c.Transcript.Intervals(transcript.Unknown)), e.features)
		c.Silence = &sil
	}
	if c.Parties != nil {
		ot := features.MeasureOvertalk(c.Parties.Agent, c.Parties.Customer, e.features)
		lat := features.MeasureLatency(c.Parties.Agent, c.Parties.Customer)
		c.Overtalk, c.Latency = &ot, &lat
	}
	if c.Transcript != nil {
		var agent, customer []timeline.Interval
		if c.Parties != nil {
			agent, customer = c.Parties.Agent, c.Parties.Customer
		}
		c.AgentSpeechRateCPM = speechRate(c.Transcript, transcript.Agent, timeline.Total(agent))
		c.CustomerSpeechRateCPM = speechRate(c.Transcript, transcript.Customer, timeline.Total(customer))
	}
}

// check runs the rules on the transcript and the measures, and scores the
// call.
func (e *Engine) check(c *Call) error {
	var hits []rules.Hit
	if c.Transcript != nil {
		seg, err := e.segmenter()
		if err != nil {
			return err
		}
		res := e.matcher.Match(c.Transcript, seg, c.End())
		hits = e.withSimilar(c.Transcript, res.Hits)
		c.GreetingOK, c.ClosingOK = res.GreetingOK, res.ClosingOK
	}
	if c.Recording != nil {
		hits = append(hits, e.matcher.Audio(e.audioMeasures(c))...)
		slices.SortStableFunc(hits, func(a, b rules.Hit) int { return cmp.Compare(a.Start, b.Start) })
	}
	c.Card = score.Apply(hits, e.cfg.Lexicon)
	return nil
}

// audioMeasures are what the audio rules check.
func (e *Engine) audioMeasures(c *Call) rules.AudioMeasures {
	m := rules.AudioMeasures{
		Duration: c.Recording.Duration, Silences: c.Silence.Intervals,
		AgentSpeechRateCPM: c.AgentSpeechRateCPM,
	}
	if c.Overtalk != nil {
		m.Overtalk = c.Overtalk.Episodes
		agent, customer := timeline.Total(c.Parties.Agent), timeline.Total(c.Parties.Customer)
		m.AgentTalkS, m.CustomerTalkS = &agent, &customer
	}
	return m
}

// Finds reports whether rule ruleID finds its phrases in text said by its
// speaker, as in a call: the lexicon tools test example sentences with it.
func (e *Engine) Finds(ruleID, text string) (bool, error) {
	if e.similar != nil {
		if found, known := e.similar.Finds(ruleID, text); known {
			return found, nil
		}
	}
	seg, err := e.segmenter()
	if err != nil {
		return false, err
	}
	return e.matcher.Finds(ruleID, text, seg), nil
}

// withSimilar adds the similarity stage's hits to the exact rules', in
// transcript order.
func (e *Engine) withSimilar(t *transcript.Transcript, hits []rules.Hit) []rules.Hit {
	if e.similar == nil {
		return hits
	}
	more := e.similar.Hits(t, hits)
	if len(more) == 0 {
		return hits
	}
	hits = append(hits, more...)
	slices.SortStableFunc(hits, func(a, b rules.Hit) int {
		return cmp.Or(cmp.Compare(a.Start, b.Start), cmp.Compare(a.SegmentIndex, b.SegmentIndex))
	})
	return hits
}

// Banned returns the forbidden phrasing found in one turn said by speaker
// (agent or customer) after the customer said context (may be empty), as
// in a call: what lexicon eval measures.
func (e *Engine) Banned(speaker, text, context string) ([]rules.Hit, error) {
	seg, err := e.segmenter()
	if err != nil {
		return nil, err
	}
	t := &transcript.Transcript{}
	if context != "" {
		t.Segments = append(t.Segments, transcript.Segment{Speaker: transcript.Customer, Text: context})
	}
	t.Segments = append(t.Segments, transcript.Segment{Speaker: speaker, Text: text})
	turn := len(t.Segments) - 1
	var out []rules.Hit
	for _, h := range e.withSimilar(t, e.matcher.Match(t, seg, 0).Hits) {
		if lexicon.Forbidden(h.Kind) && h.SegmentIndex == turn {
			out = append(out, h)
		}
	}
	return out, nil
}

// Cut shows how the rules see text: normalized, then cut into words.
func (e *Engine) Cut(text string) ([]string, error) {
	seg, err := e.segmenter()
	if err != nil {
		return nil, err
	}
	var words []string
	for _, t := range seg.Cut(normalize.New(text).Norm) {
		words = append(words, t.Text)
	}
	return words, nil
}

// speechRate is the party's Chinese characters per minute of talk time.
func speechRate(t *transcript.Transcript, speaker string, talkS float64) *float64 {
	if talkS <= 0 {
		return nil
	}
	chars := 0
	for _, s := range t.Segments {
		if s.Speaker != speaker {
			continue
		}
		for _, r := range s.Text {
			if unicode.Is(unicode.Han, r) {
				chars++
			}
		}
	}
	rate := float64(chars) / (talkS / 60)
	return &rate
}

// Lexicon is the lexicon in force.
func (e *Engine) Lexicon() *lexicon.Lexicon { return e.cfg.Lexicon }
