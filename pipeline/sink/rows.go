package sink

import (
	"math"
	"strings"
	"unicode/utf8"

	"github.com/callqa/callqa/pipeline"
	"github.com/callqa/callqa/pipeline/stage/features"
	"github.com/callqa/callqa/pipeline/stage/normalize"
	"github.com/callqa/callqa/pipeline/timeline"
)

// Rows turns a processed call into its row of calls.parquet and its rows of
// hits.parquet: with Intervals and Utterances, the one place where a Call
// meets the Parquet structs.
func Rows(c *pipeline.Call) (CallRow, []HitRow) {
	in := c.Source
	row := CallRow{
		CallID:         in.ID,
		AudioPath:      optional(in.AudioPath),
		TranscriptPath: optional(in.TranscriptPath),
		AgentID:        optional(in.AgentID),
		Team:           optional(in.Team),
		StartedAt:      in.StartedAt,
		SchemaVersion:  SchemaVersion,
		LexiconVersion: c.LexiconVersion,
		Warnings:       c.Warnings,
		ReviewReasons:  []string{},
	}
	if row.Warnings == nil {
		row.Warnings = []string{}
	}
	if c.Failed() {
		row.Error = ptr(c.Err.Error())
		return row, nil
	}
	if sil := c.Silence; sil != nil {
		// From the recording, or from a timed transcript's times when
		// there is no recording.
		row.SilenceS = ptr(span(sil.Intervals))
		row.LongestSilenceS = ptr(longest(sil.Intervals))
		row.SilenceP50S, row.SilenceP90S = ptr(milli(sil.P50S)), ptr(milli(sil.P90S))
		row.DeadAirCount = ptr(int32(len(sil.DeadAir)))
		if d := c.MeasuredS(); d > 0 {
			row.SilenceRatio = ptr(micro(sil.TotalS / d))
		}
	}
	if rec := c.Recording; rec != nil {
		row.DurationS = ptr(milli(rec.Duration))
		row.SampleRate = ptr(int32(rec.Format.SampleRate))
		row.Channels = ptr(int32(rec.Format.Channels))
		row.Codec, row.Decoder = ptr(rec.Format.Codec), ptr(rec.Format.Decoder)
		if c.Stereo() {
			a, cu := c.AgentAudio(), c.CustomerAudio()
			row.AgentSpeechDBFS, row.CustomerSpeechDBFS = finite(a.SpeechDBFS), finite(cu.SpeechDBFS)
			row.AgentClippingRatio, row.CustomerClippingRatio = ptr(micro(a.ClippingRatio)), ptr(micro(cu.ClippingRatio))
		}
	}
	if c.Parties != nil && c.Overtalk != nil {
		row.AgentTalkS = ptr(span(c.Parties.Agent))
		row.CustomerTalkS = ptr(span(c.Parties.Customer))
		ot := c.Overtalk
		episodes := make([]timeline.Interval, len(ot.Episodes))
		for i, e := range ot.Episodes {
			episodes[i] = e.Interval
		}
		row.OvertalkS = ptr(span(episodes))
		row.OvertalkCount = ptr(int32(len(ot.Episodes)))
		row.InterruptionsByAgent = ptr(int32(ot.InterruptionsByAgent))
		row.InterruptionsByCustomer = ptr(int32(ot.InterruptionsByCustomer))
		if lat := c.Latency; len(lat.Gaps) > 0 {
			row.ResponseLatencyP50S, row.ResponseLatencyP90S = ptr(milli(lat.P50S)), ptr(milli(lat.P90S))
			row.ResponseLatencyMaxS = ptr(milli(lat.MaxS))
		}
	}
	row.AgentSpeechRateCPM, row.CustomerSpeechRateCPM = rounded(c.AgentSpeechRateCPM, milli), rounded(c.CustomerSpeechRateCPM, milli)
	if c.Scored() {
		row.GreetingOK, row.ClosingOK = c.GreetingOK, c.ClosingOK
		row.BannedCount = ptr(int32(*c.BannedCount()))
		row.Score = ptr(c.Card.Score)
		row.Passed = c.Passed()
	}
	row.NeedsReview = len(c.Review) > 0
	row.ReviewReasons = append(row.ReviewReasons, c.Review...)

	hits := make([]HitRow, len(c.Card.Hits))
	for i, h := range c.Card.Hits {
		hits[i] = HitRow{
			CallID: in.ID, RuleID: h.RuleID, Kind: h.Kind, Category: h.Category,
			Severity: h.Severity, Speaker: h.Speaker,
			Text: optional(hitContext(h.Text, matchedHead(h.Matched))), Matched: optional(hitContext(h.Matched, "")),
			Penalty: h.Penalty,
		}
		for _, e := range h.Evidence {
			hits[i].Evidence = append(hits[i].Evidence, hitContext(e, ""))
		}
		if h.Timed {
			hits[i].StartS, hits[i].EndS = ptr(milli(h.Start)), ptr(milli(h.End))
		}
		if h.SegmentIndex >= 0 {
			hits[i].SegmentIndex = ptr(int32(h.SegmentIndex))
		}
		if h.HasValue {
			hits[i].Value = ptr(micro(h.Value)) // seconds, a ratio or a rate: 1e-6 keeps each exact enough
		}
	}
	return row, hits
}

// Intervals are a call's rows of intervals.parquet, for the calls whose
// row has talk and silence figures (those with a recording or a timed
// transcript): each party's
// speech (a mono recording's speech without a party, and the parties from
// the transcript's times when it has them), every silence and every
// overtalk episode, each kind in time order.
func Intervals(c *pipeline.Call) []IntervalRow {
	if c.Failed() || c.Silence == nil {
		return nil
	}
	measured := sourceTranscript // what silence and overtalk come from
	if c.Recording != nil {
		measured = sourceRecording
	}
	var rows []IntervalRow
	add := func(kind string, party *string, source string, ivs []timeline.Interval) {
		for _, iv := range ivs {
			rows = append(rows, IntervalRow{CallID: c.Source.ID, Kind: kind, Party: party, Source: source, StartS: milli(iv.Start), EndS: milli(iv.End)})
		}
	}
	if p := c.Parties; p != nil {
		source := sourceTranscript
		if c.Stereo() {
			source = sourceRecording
		}
		add(kindSpeech, ptr(partyAgent), source, p.Agent)
		add(kindSpeech, ptr(partyCustomer), source, p.Customer)
	}
	if c.Recording != nil && len(c.Recording.Channels) == 1 {
		add(kindSpeech, nil, sourceRecording, c.Recording.Channels[0].Speech)
	}
	add(kindSilence, nil, measured, c.Silence.Intervals)
	if c.Overtalk != nil {
		for _, e := range c.Overtalk.Episodes {
			by := partyAgent
			if e.StartedBy == features.Customer {
				by = partyCustomer
			}
			rows = append(rows, IntervalRow{
				CallID: c.Source.ID, Kind: kindOvertalk, Source: measured, StartS: milli(e.Start), EndS: milli(e.End),
				StartedBy: ptr(by), Interruption: ptr(e.Interruption),
			})
		}
	}
	return rows
}

// Utterances are a call's rows of utterances.parquet: every segment of its
// transcript, as written and as the rules see it (normalized), with its
// times when the transcript has them.
func Utterances(c *pipeline.Call) []UtteranceRow {
	if c.Failed() || c.Transcript == nil {
		return nil
	}
	t := c.Transcript
	rows := make([]UtteranceRow, len(t.Segments))
	for i, s := range t.Segments {
		rows[i] = UtteranceRow{
			CallID: c.Source.ID, SegmentIndex: int32(i), Speaker: s.Speaker,
			Text: s.Text, Normalized: normalize.New(s.Text).Norm,
		}
		if t.Timed {
			rows[i].StartS, rows[i].EndS = ptr(milli(s.Start)), ptr(milli(s.End))
		}
	}
	return rows
}

// The values of intervals.parquet's kind, party and source.
const (
	kindSpeech, kindSilence, kindOvertalk = "speech", "silence", "overtalk"
	partyAgent, partyCustomer             = "agent", "customer"
	sourceRecording, sourceTranscript     = "recording", "transcript"
)

// finite is nil for NaN (no speech to measure), else the level rounded.
func finite(v float64) *float64 {
	if math.IsNaN(v) {
		return nil
	}
	return ptr(milli(v))
}

// Values are rounded before they are written: milli rounds to 0.001 (times
// in seconds, rates, levels), micro to 1e-6 (ratios). That is finer than
// any measure here can tell apart, and DuckDB then shows 0.6, not
// 0.6000000000000014.
func milli(v float64) float64 { return roundTo(v, 1e3) }
func micro(v float64) float64 { return roundTo(v, 1e6) }

func roundTo(v, per float64) float64 {
	if math.Abs(v) > 1e12 {
		return v // beyond any call, and v*per would lose it
	}
	return math.Round(v*per) / per
}

// rounded rounds an optional value.
func rounded(v *float64, round func(float64) float64) *float64 {
	if v == nil {
		return nil
	}
	return ptr(round(*v))
}

// span is the total length of intervals, each rounded as its rows of
// intervals.parquet are: so a call's figure is exactly the sum of its
// rows, as the README promises.
func span(ivs []timeline.Interval) float64 {
	t := 0.0
	for _, iv := range ivs {
		t += milli(iv.End) - milli(iv.Start)
	}
	return milli(t)
}

// longest is the longest of intervals, rounded as their rows are.
func longest(ivs []timeline.Interval) float64 {
	l := 0.0
	for _, iv := range ivs {
		l = max(l, milli(iv.End)-milli(iv.Start))
	}
	return milli(l)
}

func ptr[T any](v T) *T { return &v }

// optional is nil for "", so that a missing path is null in the output.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// contextRunes is how much of an utterance a hit row carries either side
// of what it matched. The utterance itself is in utterances.parquet (by
// segment_index): a hit row need not repeat up to 4,000 characters
// (transcript.MaxSegmentRunes) once per hit.
const contextRunes = 100

// matchedHead is what a hit matched, or the start of it when it is long
// (a similarity hit matches its whole utterance).
func matchedHead(matched string) string {
	if r := []rune(matched); len(r) > 2*contextRunes {
		return string(r[:2*contextRunes])
	}
	return matched
}

// hitContext is the utterance, or, when it is long, the contextRunes
// either side of matched (its start without a match), marked … where cut.
func hitContext(text, matched string) string {
	if utf8.RuneCountInString(text) <= 2*contextRunes+utf8.RuneCountInString(matched) {
		return text
	}
	at := 0
	if matched != "" {
		if i := strings.Index(text, matched); i >= 0 {
			at = i
		}
	}
	start := at
	for n := 0; n < contextRunes && start > 0; n++ {
		_, size := utf8.DecodeLastRuneInString(text[:start])
		start -= size
	}
	end := at + len(matched)
	for n := 0; n < contextRunes && end < len(text); n++ {
		_, size := utf8.DecodeRuneInString(text[end:])
		end += size
	}
	out := text[start:end]
	if start > 0 {
		out = "…" + out
	}
	if end < len(text) {
		out += "…"
	}
	return out
}
