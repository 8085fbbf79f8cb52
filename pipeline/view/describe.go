// Package view says what callqa found in a call, in words a QA lead
// reads: the facts and measures of a call, each hit's time and evidence,
// and the score breakdown. The text view (callqa inspect) is here; the
// HTML pages (package htmlview) show the same words.
package view

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/callqa/callqa/lexicon"
	"github.com/callqa/callqa/pipeline"
	"github.com/callqa/callqa/pipeline/stage/score"
	"github.com/callqa/callqa/pipeline/stage/transcript"
	"github.com/callqa/callqa/pipeline/timeline"
)

// Fact is one labelled line about a call.
type Fact struct{ Label, Value string }

// Clock formats seconds from the start of a call as mm:ss.s.
func Clock(s float64) string {
	m := int(s) / 60
	return fmt.Sprintf("%02d:%04.1f", m, s-float64(m*60))
}

// Span formats an interval as mm:ss.s–mm:ss.s.
func span(iv timeline.Interval) string { return Clock(iv.Start) + "–" + Clock(iv.End) }

// When is the hit's span, or "untimed" for a transcript without times.
func When(h score.Hit) string {
	if !h.Timed {
		return "untimed"
	}
	return span(timeline.Interval{Start: h.Start, End: h.End})
}

// Evidence is what a hit shows of the call: the words, the measure, or
// what was missing, then the turns that made it fire (the complaint a
// reply answers; a similarity hit's nearest labelled examples). A
// conditional hit's words are its trigger's (the customer's complaint the
// agent did not answer), so they are quoted as said by whoever said them,
// not as the words of the hit's speaker.
func Evidence(h score.Hit, t *transcript.Transcript) string {
	s := words(h, t)
	if len(h.Evidence) > 0 {
		s += "; " + strings.Join(h.Evidence, "; ")
	}
	return s
}

func words(h score.Hit, t *transcript.Transcript) string {
	switch {
	case h.Kind == lexicon.KindShortReply:
		return fmt.Sprintf("the whole answer was %q", h.Text)
	case h.Kind == lexicon.KindConditional && h.Matched != "":
		return fmt.Sprintf("the %s said %q in %q; the %s did not follow up in time", orDash(Trigger(h, t)), h.Matched, h.Text, h.Speaker)
	case h.Kind == lexicon.KindSimilar:
		return fmt.Sprintf("%q reads as %s (score %.2f)", h.Text, h.Category, h.Value)
	case h.Matched != "" && h.Text != "":
		return fmt.Sprintf("%q in %q", h.Matched, h.Text)
	case h.HasValue:
		return fmt.Sprintf("measured %.2f", h.Value)
	default:
		return "not said in the window"
	}
}

// Trigger is who said a conditional hit's words (its trigger), "" for
// other hits or when the transcript does not say.
func Trigger(h score.Hit, t *transcript.Transcript) string {
	if h.Kind != lexicon.KindConditional || t == nil || h.SegmentIndex < 0 || h.SegmentIndex >= len(t.Segments) {
		return ""
	}
	return t.Segments[h.SegmentIndex].Speaker
}

// Points is what a hit or rule cost, as a deduction: "−5", or "0" for a
// hit past its rule's cap (never "−0").
func Points(p float64) string {
	s := strconv.FormatFloat(math.Abs(math.Round(p*100)/100), 'f', -1, 64)
	if s == "0" {
		return s
	}
	return "−" + s
}

// About are the facts that identify a call: its files, agent, start and
// lexicon.
func About(c *pipeline.Call) []Fact {
	in := c.Source
	facts := []Fact{{"audio", orDash(in.AudioPath)}, {"transcript", orDash(in.TranscriptPath)}}
	if in.AgentID != "" || in.Team != "" {
		facts = append(facts, Fact{"agent", orDash(in.AgentID) + " (" + orDash(in.Team) + ")"})
	}
	if in.StartedAt != nil {
		facts = append(facts, Fact{"started", in.StartedAt.UTC().Format(time.DateTime + " UTC")})
	}
	return append(facts, Fact{"lexicon", c.LexiconVersion})
}

// Measures are a processed call's numbers, one line each.
func Measures(c *pipeline.Call) []Fact {
	var m []Fact
	add := func(label, format string, args ...any) { m = append(m, Fact{label, fmt.Sprintf(format, args...)}) }
	if rec := c.Recording; rec != nil {
		add("recording", "%.1f s, %d Hz, %d channel(s), %s, decoder %s", rec.Duration, rec.Format.SampleRate, rec.Format.Channels, rec.Format.Codec, rec.Format.Decoder)
	}
	if c.Parties != nil {
		add("talk", "agent %.1f s, customer %.1f s", timeline.Total(c.Parties.Agent), timeline.Total(c.Parties.Customer))
	}
	if s := c.Silence; s != nil {
		ratio := 0.0
		if d := c.MeasuredS(); d > 0 {
			ratio = s.TotalS / d
		}
		add("silence", "%.1f s (%.0f %%), longest %.1f s, median %.1f s, p90 %.1f s, dead air %d",
			s.TotalS, 100*ratio, s.LongestS, s.P50S, s.P90S, len(s.DeadAir))
	}
	if o := c.Overtalk; o != nil {
		add("overtalk", "%.1f s in %d episodes; interruptions by agent %d, by customer %d",
			o.TotalS, len(o.Episodes), o.InterruptionsByAgent, o.InterruptionsByCustomer)
	}
	if l := c.Latency; l != nil && len(l.Gaps) > 0 {
		add("answer latency", "median %.1f s, p90 %.1f s, max %.1f s", l.P50S, l.P90S, l.MaxS)
	}
	if c.AgentSpeechRateCPM != nil {
		add("speech rate", "agent %.0f, customer %s characters/min", *c.AgentSpeechRateCPM, number(c.CustomerSpeechRateCPM, "%.0f"))
	}
	if c.Stereo() {
		a, cu := c.AgentAudio(), c.CustomerAudio()
		add("loudness", "agent %s dBFS, customer %s dBFS; clipped agent %.2f %%, customer %.2f %%",
			level(a.SpeechDBFS), level(cu.SpeechDBFS), 100*a.ClippingRatio, 100*cu.ClippingRatio)
	}
	if c.GreetingOK != nil || c.ClosingOK != nil {
		add("greeting / closing", "%s / %s", yesNo(c.GreetingOK), yesNo(c.ClosingOK))
	}
	return m
}

// Verdict is "passed", "failed", or "needs review" when the call's
// recording or transcript cannot support its score.
func Verdict(c *pipeline.Call) string {
	switch p := c.Passed(); {
	case p == nil && len(c.Review) > 0:
		return "needs review"
	case p != nil && *p:
		return "passed"
	}
	return "failed"
}

// level formats a speech level, "—" without speech (NaN).
func level(dbfs float64) string {
	if dbfs != dbfs {
		return "—"
	}
	return fmt.Sprintf("%.1f", dbfs)
}

// number formats an optional value.
func number(p *float64, format string) string {
	if p == nil {
		return "—"
	}
	return fmt.Sprintf(format, *p)
}

func yesNo(b *bool) string {
	switch {
	case b == nil:
		return "—"
	case *b:
		return "yes"
	}
	return "no"
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
