package htmlreport

import (
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"

	"github.com/callqa/callqa/lexicon"
	"github.com/callqa/callqa/pipeline"
	"github.com/callqa/callqa/pipeline/output"
	"github.com/callqa/callqa/pipeline/score"
)

// CallOptions are what a call page says beyond the call itself.
type CallOptions struct {
	// Back links to the page this one was opened from (the batch report).
	Back string
	// Notice is shown above everything, e.g. that the call was checked
	// again and differs from the stored row.
	Notice string
}

type callPage struct {
	Title     string
	Back      string
	Notice    string
	Call      output.CallRow
	Facts     []fact
	Measures  []fact
	Warnings  []string
	Failed    bool
	Score     *scoreView
	Hits      []hitView
	Timeline  template.HTML
	NoTimes   string
	Segments  []segmentView
	Untimed   bool
	HitsCount int
}

type fact struct{ Label, Value string }

type scoreView struct {
	Score, PassMark string
	Passed          bool
	Rules           []costView
}

type costView struct {
	Rule, Points, Note string
}

type hitView struct {
	Index                                   int
	When, Speaker, Rule, Category, Severity string
	Kind, Evidence, Penalty, Summary        string
	Segment                                 int // -1: no utterance (audio rule, missing phrase)
	Start                                   string
}

type segmentView struct {
	Index   int
	When    string
	Start   string // seconds, for the timeline to scroll to ("" untimed)
	Speaker string
	Parts   []textPart
	Hit     bool
}

// textPart is a piece of an utterance; Hit >= 0 marks the words of that hit.
type textPart struct {
	Text string
	Hit  int
}

// WriteCall writes the page of one call: header, measures, timeline, hits,
// transcript with the hits marked, and the score breakdown.
func WriteCall(w io.Writer, x pipeline.Explained, lex *lexicon.Lexicon, opts CallOptions) error {
	return pages.ExecuteTemplate(w, "call.html", newCallPage(x, lex, opts))
}

func newCallPage(x pipeline.Explained, lex *lexicon.Lexicon, opts CallOptions) callPage {
	c := x.Call
	p := callPage{Title: c.CallID, Back: opts.Back, Notice: opts.Notice, Call: c, Warnings: c.Warnings, Failed: x.Failed()}
	p.Facts = []fact{
		{"audio", orDash(c.AudioPath)},
		{"transcript", orDash(c.TranscriptPath)},
	}
	if c.AgentID != nil || c.Team != nil {
		p.Facts = append(p.Facts, fact{"agent", orDash(c.AgentID) + " (" + orDash(c.Team) + ")"})
	}
	if c.StartedAt != nil {
		p.Facts = append(p.Facts, fact{"started", c.StartedAt.UTC().Format("2006-01-02 15:04:05 UTC")})
	}
	p.Facts = append(p.Facts, fact{"lexicon", c.LexiconVersion})
	if p.Failed {
		return p
	}
	p.Measures = measures(c)
	if c.Score != nil {
		sv := &scoreView{Score: num(*c.Score), PassMark: num(lex.Settings.PassMark), Passed: c.Passed != nil && *c.Passed}
		for _, b := range score.Breakdown(x.Hits, lex) {
			sv.Rules = append(sv.Rules, costView{Rule: b.RuleID, Points: "−" + num(b.Points), Note: b.Note()})
		}
		p.Score = sv
	}
	p.HitsCount = len(x.Hits)
	for i, h := range x.Hits {
		hv := hitView{
			Index: i, When: h.When(), Speaker: h.Speaker, Rule: h.RuleID, Category: h.Category, Severity: h.Severity,
			Kind: h.Kind, Evidence: h.Evidence(), Penalty: num(h.Penalty), Summary: hitSummary(h), Segment: -1,
		}
		if h.SegmentIndex != nil {
			hv.Segment = int(*h.SegmentIndex)
		}
		if h.StartS != nil {
			hv.Start = num(*h.StartS)
		}
		p.Hits = append(p.Hits, hv)
	}
	switch {
	case x.End > 0 && (x.Agent != nil || x.Customer != nil || x.Silences != nil):
		p.Timeline = timelineSVG(x)
	case x.Segments != nil && !x.Timed:
		p.NoTimes = "The transcript has no times and there is no recording: no timeline."
	default:
		p.NoTimes = "Nothing to draw: no recording and no timed transcript."
	}
	p.Untimed = x.Segments != nil && !x.Timed
	p.Segments = segments(x)
	return p
}

// measures are the call's numbers, as inspect prints them.
func measures(c output.CallRow) []fact {
	var m []fact
	add := func(label, format string, args ...any) { m = append(m, fact{label, fmt.Sprintf(format, args...)}) }
	if c.DurationS != nil {
		add("recording", "%s, %d Hz, %d channel(s)", output.Clock(*c.DurationS), *c.SampleRate, *c.Channels)
	}
	if c.AgentTalkS != nil {
		add("talk", "agent %.1f s, customer %.1f s", *c.AgentTalkS, *c.CustomerTalkS)
	}
	if c.SilenceS != nil {
		add("silence", "%.1f s (%.0f %%), longest %.1f s, dead air %d", *c.SilenceS, 100*deref(c.SilenceRatio), *c.LongestSilenceS, *c.DeadAirCount)
	}
	if c.OvertalkS != nil {
		add("overtalk", "%.1f s in %d episode(s); interruptions by agent %d, by customer %d",
			*c.OvertalkS, *c.OvertalkCount, *c.InterruptionsByAgent, *c.InterruptionsByCustomer)
	}
	if c.ResponseLatencyP50S != nil {
		add("answer latency", "median %.1f s, p90 %.1f s, max %.1f s", *c.ResponseLatencyP50S, *c.ResponseLatencyP90S, *c.ResponseLatencyMaxS)
	}
	if c.AgentSpeechRateCPM != nil {
		add("speech rate", "agent %.0f characters/min", *c.AgentSpeechRateCPM)
	}
	if c.GreetingOK != nil {
		add("greeting / closing", "%s / %s", yesNo(*c.GreetingOK), yesNo(deref(c.ClosingOK)))
	}
	return m
}

// segments are the utterances with the words of their hits marked. Where
// two hits' words overlap, the first keeps the mark; both stay listed.
func segments(x pipeline.Explained) []segmentView {
	type span struct{ start, end, hit int }
	marks := map[int][]span{}
	for i, h := range x.Hits {
		if h.SegmentIndex == nil || h.Matched == nil || *h.Matched == "" {
			continue
		}
		si := int(*h.SegmentIndex)
		if si < 0 || si >= len(x.Segments) {
			continue
		}
		text := x.Segments[si].Text
		from := 0
		for _, m := range marks[si] { // the same words again: the next occurrence
			if text[m.start:m.end] == *h.Matched {
				from = m.end
			}
		}
		at := strings.Index(text[from:], *h.Matched)
		if at < 0 {
			at = strings.Index(text, *h.Matched)
			from = 0
		}
		if at < 0 {
			marks[si] = append(marks[si], span{-1, -1, i}) // marks the utterance only
			continue
		}
		marks[si] = append(marks[si], span{from + at, from + at + len(*h.Matched), i})
	}
	out := make([]segmentView, len(x.Segments))
	for i, s := range x.Segments {
		v := segmentView{Index: i, Speaker: s.Speaker, When: "", Hit: len(marks[i]) > 0}
		if x.Timed {
			v.When, v.Start = output.Clock(s.Start), num(s.Start)
		}
		spans := marks[i]
		sort.SliceStable(spans, func(a, b int) bool { return spans[a].start < spans[b].start })
		pos := 0
		for _, m := range spans {
			if m.start < pos {
				continue
			}
			if m.start > pos {
				v.Parts = append(v.Parts, textPart{s.Text[pos:m.start], -1})
			}
			v.Parts = append(v.Parts, textPart{s.Text[m.start:m.end], m.hit})
			pos = m.end
		}
		if pos < len(s.Text) {
			v.Parts = append(v.Parts, textPart{s.Text[pos:], -1})
		}
		out[i] = v
	}
	return out
}

func orDash[T any](p *T) string {
	if p == nil {
		return "—"
	}
	return fmt.Sprint(*p)
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
