// Package pipeline wires the stages that turn one call into its rows, and
// runs many calls in parallel; the stages live in the packages below it.
package pipeline

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"unicode"

	"github.com/callqa/callqa/lexicon"
	"github.com/callqa/callqa/pipeline/audio"
	"github.com/callqa/callqa/pipeline/discover"
	"github.com/callqa/callqa/pipeline/features"
	"github.com/callqa/callqa/pipeline/output"
	"github.com/callqa/callqa/pipeline/rules"
	"github.com/callqa/callqa/pipeline/score"
	"github.com/callqa/callqa/pipeline/segment"
	"github.com/callqa/callqa/pipeline/timeline"
	"github.com/callqa/callqa/pipeline/transcript"
	"github.com/callqa/callqa/pipeline/vad"
)

// Channels of a stereo recording.
const (
	Left  = 0
	Right = 1
)

// Config is what a run needs to know.
type Config struct {
	Lexicon *lexicon.Lexicon
	// AgentChannel is the stereo channel that carries the agent (Left or
	// Right); the customer is on the other. ASR output that numbers
	// channels or speakers follows it too.
	AgentChannel int
	// AgentRoles and CustomerRoles are the role words of plain-text and
	// subtitle transcripts (empty: the defaults of package transcript).
	AgentRoles, CustomerRoles []string
	// ReadAhead decodes each recording on a second goroutine: set it when
	// fewer calls run at once than there are cores.
	ReadAhead bool
}

// Engine processes calls. It holds the one shared segmenter and the compiled
// lexicon, and is safe for concurrent use.
//
// The segmenter (about a second and 130 MB to build) is built when the first
// transcript needs it, so a run over recordings alone never pays for it.
// Lexicon words are added inside that one build, before any Cut.
type Engine struct {
	cfg        Config
	lexVersion string
	matcher    *rules.Matcher
	seg        func() (*segment.Segmenter, error)
	segReady   atomic.Bool // seg has been built (or failed)
	features   features.Config
	audio      audio.Config
}

// New compiles the lexicon.
func New(cfg Config) (*Engine, error) {
	if cfg.Lexicon == nil {
		return nil, errors.New("pipeline: no lexicon")
	}
	if cfg.AgentChannel != Left && cfg.AgentChannel != Right {
		return nil, fmt.Errorf("pipeline: agent channel %d", cfg.AgentChannel)
	}
	m := rules.Compile(cfg.Lexicon)
	s := cfg.Lexicon.Settings
	e := &Engine{
		cfg:        cfg,
		lexVersion: cfg.Lexicon.ID(),
		matcher:    m,
		features: features.Config{
			DeadAirMinS: s.DeadAirMinS, OvertalkMinS: s.OvertalkMinS, BackchannelMaxS: s.BackchannelMaxS,
		},
		audio: audio.Config{
			VAD: vad.Config{
				OnMarginDB: s.VADOnMarginDB, OffMarginDB: s.VADOffMarginDB,
				MinSpeechS: s.VADMinSpeechS, MinSilenceS: s.VADMinSilenceS,
			},
			ClippingWarnRatio: s.ClippingWarnRatio,
			DCOffsetWarn:      s.DCOffsetWarn,
			ReadAhead:         cfg.ReadAhead,
		},
	}
	e.seg = sync.OnceValues(func() (*segment.Segmenter, error) {
		defer e.segReady.Store(true)
		return segment.New(m.Words())
	})
	return e, nil
}

// LexiconVersion identifies the rules and settings in force.
func (e *Engine) LexiconVersion() string { return e.lexVersion }

// Matcher is the compiled lexicon.
func (e *Engine) Matcher() *rules.Matcher { return e.matcher }

// Segmenter is the shared segmenter, built on first use.
func (e *Engine) Segmenter() (*segment.Segmenter, error) { return e.seg() }

// Result is one call's row and its hits.
type Result struct {
	Call output.CallRow
	Hits []output.HitRow
}

// Failed reports whether the call could not be processed.
func (r Result) Failed() bool { return r.Call.Error != nil }

// Process runs every stage on one call. A failure becomes the row's error:
// its metrics, hits and score are then left out, since half of a call's
// evidence would give a misleading score.
func (e *Engine) Process(c discover.Call) Result {
	return e.measure(c).check()
}

// measured is a call after the stages that need no segmenter (audio,
// transcript reading); check runs the rest. Workers measure later calls
// while jieba's dictionary loads (see Run).
type measured struct {
	e         *Engine
	c         discover.Call
	done      *Result // set when the call already failed
	row       output.CallRow
	text      *transcript.Transcript
	rec       *audio.Recording
	agent     []timeline.Interval
	customer  []timeline.Interval
	callEnd   float64
	measures  rules.AudioMeasures
	needsText bool
}

// measure runs the audio and transcript-reading stages.
func (e *Engine) measure(c discover.Call) measured {
	m := measured{e: e, c: c}
	fail := func(err error) measured {
		r := e.failed(c, err)
		m.done = &r
		return m
	}
	if c.Err != nil {
		return fail(c.Err)
	}
	row := e.newRow(c)
	agentCh := e.agentChannel(c)

	var rec *audio.Recording
	var text *transcript.Transcript
	var errs []error
	if c.AudioPath != "" {
		r, err := audio.Analyze(c.AudioPath, e.audio)
		if err != nil {
			errs = append(errs, fmt.Errorf("audio %s: %w", c.AudioPath, err))
		} else {
			rec = r
			row.Warnings = append(row.Warnings, r.Warnings...)
		}
	}
	if c.TranscriptPath != "" {
		t, err := transcript.ReadFile(c.TranscriptPath, transcript.Options{
			AgentChannel: agentCh, AgentRoles: e.cfg.AgentRoles, CustomerRoles: e.cfg.CustomerRoles,
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("transcript %s: %w", c.TranscriptPath, err))
		} else {
			text = t
			for _, w := range t.Warnings {
				row.Warnings = append(row.Warnings, "transcript: "+w)
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fail(err)
	}

	// Who spoke when: the channels of a stereo recording, else the
	// transcript's times.
	var agent, customer []timeline.Interval
	stereo := rec != nil && len(rec.Channels) == 2
	haveParties := true
	switch {
	case stereo:
		agent, customer = rec.Channels[agentCh].Speech, rec.Channels[1-agentCh].Speech
	case text != nil && text.Timed:
		agent, customer = text.Intervals(transcript.Agent), text.Intervals(transcript.Customer)
	default:
		haveParties = false
	}

	callEnd := 0.0
	var measures rules.AudioMeasures
	if rec != nil {
		callEnd = rec.Duration
		measures.Duration = rec.Duration
		measures.Silences = e.audioColumns(&row, rec, stereo, agentCh).Intervals
		if haveParties {
			measures.Overtalk = partyColumns(&row, agent, customer, e.features).Episodes
			measures.AgentTalkS, measures.CustomerTalkS = row.AgentTalkS, row.CustomerTalkS
		}
	}

	m.row, m.text, m.rec, m.agent, m.customer, m.callEnd, m.measures = row, text, rec, agent, customer, callEnd, measures
	m.needsText = text != nil
	return m
}

// check runs the rules and the score.
func (m measured) check() Result {
	if m.done != nil {
		return *m.done
	}
	e, c, row, text, rec := m.e, m.c, m.row, m.text, m.rec
	callEnd, measures := m.callEnd, m.measures
	var hits []rules.Hit
	if text != nil {
		callEnd = max(callEnd, text.End())
		row.AgentSpeechRateCPM = speechRate(text, transcript.Agent, timeline.Total(m.agent))
		row.CustomerSpeechRateCPM = speechRate(text, transcript.Customer, timeline.Total(m.customer))
		seg, err := e.seg()
		if err != nil {
			return e.failed(c, err)
		}
		res := e.matcher.Match(text, seg, callEnd)
		hits = res.Hits
		row.GreetingOK, row.ClosingOK = res.GreetingOK, res.ClosingOK
		row.BannedCount = ptr(int32(res.BannedCount))
	}
	if rec != nil {
		measures.AgentSpeechRateCPM = row.AgentSpeechRateCPM
		hits = append(hits, e.matcher.Audio(measures)...)
		slices.SortStableFunc(hits, func(a, b rules.Hit) int { return cmp.Compare(a.Start, b.Start) })
	}
	card := score.Apply(hits, e.cfg.Lexicon)
	if text != nil {
		// Without a transcript the required phrases cannot be checked, so
		// the call has no score; its audio hits still show their cost.
		row.Score = ptr(card.Score)
		row.Passed = ptr(card.Passed)
	}
	return Result{Call: row, Hits: hitRows(c.ID, hits, card.Penalties)}
}

// newRow starts a call's row with what is known before any stage runs.
func (e *Engine) newRow(c discover.Call) output.CallRow {
	return output.CallRow{
		CallID:         c.ID,
		AudioPath:      optional(c.AudioPath),
		TranscriptPath: optional(c.TranscriptPath),
		AgentID:        optional(c.AgentID),
		Team:           optional(c.Team),
		StartedAt:      c.StartedAt,
		SchemaVersion:  output.SchemaVersion,
		LexiconVersion: e.lexVersion,
		Warnings:       []string{},
	}
}

// agentChannel is the channel of the agent in this call: the manifest's,
// else the run's.
func (e *Engine) agentChannel(c discover.Call) int {
	switch c.AgentChannel {
	case "left":
		return Left
	case "right":
		return Right
	}
	return e.cfg.AgentChannel
}

// failed is the row of a call that could not be processed: no metrics, hits
// or score, and the reason in error.
func (e *Engine) failed(c discover.Call, err error) Result {
	row := e.newRow(c)
	row.Error = ptr(err.Error())
	return Result{Call: row}
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
	return ptr(float64(chars) / (talkS / 60))
}

func hitRows(callID string, hits []rules.Hit, penalties []float64) []output.HitRow {
	rows := make([]output.HitRow, len(hits))
	for i, h := range hits {
		rows[i] = output.HitRow{
			CallID: callID, RuleID: h.RuleID, Kind: h.Kind, Category: h.Category,
			Severity: h.Severity, Speaker: h.Speaker,
			StartS: timed(h.Start, h.Timed), EndS: timed(h.End, h.Timed),
			Text: optional(h.Text), Matched: optional(h.Matched),
			Penalty: penalties[i],
		}
		if h.SegmentIndex >= 0 {
			rows[i].SegmentIndex = ptr(int32(h.SegmentIndex))
		}
		if h.HasValue {
			rows[i].Value = ptr(h.Value)
		}
	}
	return rows
}

// audioColumns fills the columns measured on the recording alone.
func (e *Engine) audioColumns(row *output.CallRow, rec *audio.Recording, stereo bool, agentCh int) features.Silence {
	row.DurationS = ptr(rec.Duration)
	row.SampleRate = ptr(int32(rec.Format.SampleRate))
	row.Channels = ptr(int32(rec.Format.Channels))
	sil := features.MeasureSilence(timeline.Union(rec.Speech()...), e.features)
	row.SilenceS = ptr(sil.TotalS)
	row.LongestSilenceS = ptr(sil.LongestS)
	row.SilenceP50S, row.SilenceP90S = ptr(sil.P50S), ptr(sil.P90S)
	row.DeadAirCount = ptr(int32(len(sil.DeadAir)))
	if rec.Duration > 0 {
		row.SilenceRatio = ptr(sil.TotalS / rec.Duration)
	}
	if stereo {
		a, c := rec.Channels[agentCh], rec.Channels[1-agentCh]
		row.AgentSpeechDBFS, row.CustomerSpeechDBFS = finite(a.SpeechDBFS), finite(c.SpeechDBFS)
		row.AgentClippingRatio, row.CustomerClippingRatio = ptr(a.ClippingRatio), ptr(c.ClippingRatio)
	}
	return sil
}

// partyColumns fills the columns that need to know who spoke when.
func partyColumns(row *output.CallRow, agent, customer []timeline.Interval, cfg features.Config) features.Overtalk {
	row.AgentTalkS = ptr(timeline.Total(agent))
	row.CustomerTalkS = ptr(timeline.Total(customer))
	ot := features.MeasureOvertalk(agent, customer, cfg)
	row.OvertalkS = ptr(ot.TotalS)
	row.OvertalkCount = ptr(int32(len(ot.Episodes)))
	row.InterruptionsByAgent = ptr(int32(ot.InterruptionsByAgent))
	row.InterruptionsByCustomer = ptr(int32(ot.InterruptionsByCustomer))
	if lat := features.MeasureLatency(agent, customer); len(lat.Gaps) > 0 {
		row.ResponseLatencyP50S, row.ResponseLatencyP90S = ptr(lat.P50S), ptr(lat.P90S)
		row.ResponseLatencyMaxS = ptr(lat.MaxS)
	}
	return ot
}

// timed is nil for a time of a transcript without times.
func timed(v float64, ok bool) *float64 {
	if !ok {
		return nil
	}
	return &v
}

// finite is nil for NaN (no speech to measure).
func finite(v float64) *float64 {
	if math.IsNaN(v) {
		return nil
	}
	return &v
}

func ptr[T any](v T) *T { return &v }

// optional is nil for "", so that a missing path is null in the output.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
