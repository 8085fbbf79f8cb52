package sink

import (
	"math"

	"github.com/callqa/callqa/pipeline"
	"github.com/callqa/callqa/pipeline/stage/features"
	"github.com/callqa/callqa/pipeline/timeline"
)

// Rows turns a processed call into its row of calls.parquet and its rows of
// hits.parquet: the one place where a Call meets the Parquet structs.
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
	}
	if row.Warnings == nil {
		row.Warnings = []string{}
	}
	if c.Failed() {
		row.Error = ptr(c.Err.Error())
		return row, nil
	}
	if rec := c.Recording; rec != nil {
		row.DurationS = ptr(rec.Duration)
		row.SampleRate = ptr(int32(rec.Format.SampleRate))
		row.Channels = ptr(int32(rec.Format.Channels))
		sil := c.Silence
		row.SilenceS = ptr(sil.TotalS)
		row.LongestSilenceS = ptr(sil.LongestS)
		row.SilenceP50S, row.SilenceP90S = ptr(sil.P50S), ptr(sil.P90S)
		row.DeadAirCount = ptr(int32(len(sil.DeadAir)))
		if rec.Duration > 0 {
			row.SilenceRatio = ptr(sil.TotalS / rec.Duration)
		}
		if c.Stereo() {
			a, cu := c.AgentAudio(), c.CustomerAudio()
			row.AgentSpeechDBFS, row.CustomerSpeechDBFS = finite(a.SpeechDBFS), finite(cu.SpeechDBFS)
			row.AgentClippingRatio, row.CustomerClippingRatio = ptr(a.ClippingRatio), ptr(cu.ClippingRatio)
		}
	}
	if c.Recording != nil && c.Parties != nil {
		row.AgentTalkS = ptr(timeline.Total(c.Parties.Agent))
		row.CustomerTalkS = ptr(timeline.Total(c.Parties.Customer))
		ot := c.Overtalk
		row.OvertalkS = ptr(ot.TotalS)
		row.OvertalkCount = ptr(int32(len(ot.Episodes)))
		row.InterruptionsByAgent = ptr(int32(ot.InterruptionsByAgent))
		row.InterruptionsByCustomer = ptr(int32(ot.InterruptionsByCustomer))
		if lat := c.Latency; len(lat.Gaps) > 0 {
			row.ResponseLatencyP50S, row.ResponseLatencyP90S = ptr(lat.P50S), ptr(lat.P90S)
			row.ResponseLatencyMaxS = ptr(lat.MaxS)
		}
	}
	row.AgentSpeechRateCPM, row.CustomerSpeechRateCPM = c.AgentSpeechRateCPM, c.CustomerSpeechRateCPM
	if c.Scored() {
		row.GreetingOK, row.ClosingOK = c.GreetingOK, c.ClosingOK
		row.BannedCount = ptr(int32(*c.BannedCount()))
		row.Score = ptr(c.Card.Score)
		row.Passed = ptr(c.Card.Passed)
	}

	hits := make([]HitRow, len(c.Card.Hits))
	for i, h := range c.Card.Hits {
		hits[i] = HitRow{
			CallID: in.ID, RuleID: h.RuleID, Kind: h.Kind, Category: h.Category,
			Severity: h.Severity, Speaker: h.Speaker,
			Text: optional(h.Text), Matched: optional(h.Matched),
			Penalty: h.Penalty,
		}
		if h.Timed {
			hits[i].StartS, hits[i].EndS = ptr(h.Start), ptr(h.End)
		}
		if h.SegmentIndex >= 0 {
			hits[i].SegmentIndex = ptr(int32(h.SegmentIndex))
		}
		if h.HasValue {
			hits[i].Value = ptr(h.Value)
		}
	}
	return row, hits
}

// Intervals are a call's rows of intervals.parquet, for the calls whose
// row has talk and silence figures (those with a recording): each party's
// speech (a mono recording's speech without a party, and the parties from
// the transcript's times when it has them), every silence and every
// overtalk episode, each kind in time order.
func Intervals(c *pipeline.Call) []IntervalRow {
	if c.Failed() || c.Recording == nil {
		return nil
	}
	var rows []IntervalRow
	add := func(kind string, party *string, source string, ivs []timeline.Interval) {
		for _, iv := range ivs {
			rows = append(rows, IntervalRow{CallID: c.Source.ID, Kind: kind, Party: party, Source: source, StartS: iv.Start, EndS: iv.End})
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
	if ch := c.Recording.Channels; len(ch) == 1 {
		add(kindSpeech, nil, sourceRecording, ch[0].Speech)
	}
	add(kindSilence, nil, sourceRecording, c.Silence.Intervals)
	if c.Overtalk != nil {
		for _, e := range c.Overtalk.Episodes {
			by := partyAgent
			if e.StartedBy == features.Customer {
				by = partyCustomer
			}
			rows = append(rows, IntervalRow{
				CallID: c.Source.ID, Kind: kindOvertalk, Source: sourceRecording, StartS: e.Start, EndS: e.End,
				StartedBy: ptr(by), Interruption: ptr(e.Interruption),
			})
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
