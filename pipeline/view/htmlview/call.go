package htmlview

import (
	"html/template"
	"io"
	"sort"
	"strings"

	"github.com/callqa/callqa/lexicon"
	"github.com/callqa/callqa/pipeline"
	"github.com/callqa/callqa/pipeline/stage/score"
	"github.com/callqa/callqa/pipeline/stage/transcript"
	"github.com/callqa/callqa/pipeline/view"
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
	Facts     []view.Fact
	Measures  []view.Fact
	Warnings  []string
	Failed    bool
	Error     string
	Score     *scoreView
	Hits      []hitView
	Timeline  template.HTML
	Legend    []legendKey
	NoTimes   string
	HitDetail string
	Segments  []segmentView
	Untimed   bool
	HitsCount int
}

type scoreView struct {
	Score, PassMark string
	// Verdict is view.Verdict, and VerdictClass its CSS class.
	Verdict, VerdictClass string
	Rules                 []costView
}

type costView struct {
	Rule, Points, Note string
}

type hitView struct {
	Index                                   int
	When, Speaker, Rule, Category, Severity string
	Kind, Evidence, Penalty, Summary        string
	// Trigger is who said the words of a conditional hit (the customer,
	// for a complaint nobody answered), so they are not read as the
	// hit's speaker's.
	Trigger string
	Segment int // -1: no utterance (audio rule, missing phrase)
	Start   string
}

// legendKey explains one colour of the timeline: Style is its CSS
// background.
type legendKey struct {
	Style template.CSS
	Label string
}

type segmentView struct {
	Index   int
	When    string
	Start   string // seconds, for the timeline to scroll to ("" untimed)
	Speaker string
	Parts   []textPart
	Hit     bool
}

// textPart is a piece of an utterance; Hit >= 0 marks the words of that
// hit, and Trigger says whose words they are when they are a conditional
// hit's trigger rather than the fault itself.
type textPart struct {
	Text    string
	Hit     int
	Trigger string
}

// WriteCall writes the page of one call: header, measures, timeline, hits,
// transcript with the hits marked, and the score breakdown.
func WriteCall(w io.Writer, c *pipeline.Call, lex *lexicon.Lexicon, opts CallOptions) error {
	return pages.ExecuteTemplate(w, "call.html", newCallPage(c, lex, opts))
}

func newCallPage(c *pipeline.Call, lex *lexicon.Lexicon, opts CallOptions) callPage {
	p := callPage{Title: c.Source.ID, Back: opts.Back, Notice: opts.Notice, Warnings: c.Warnings, Failed: c.Failed()}
	p.Facts = view.About(c)
	if p.Failed {
		p.Error = c.Err.Error()
		return p
	}
	p.Measures = view.Measures(c)
	if c.Scored() {
		sv := &scoreView{Score: num(c.Card.Score), PassMark: num(lex.Settings.PassMark), Verdict: view.Verdict(c)}
		sv.VerdictClass = strings.ReplaceAll(sv.Verdict, " ", "-")
		for _, b := range score.Breakdown(c.Card.Hits, lex) {
			sv.Rules = append(sv.Rules, costView{Rule: b.RuleID, Points: view.Points(b.Points), Note: b.Note()})
		}
		p.Score = sv
	}
	p.HitsCount = len(c.Card.Hits)
	t := c.Transcript
	for i, h := range c.Card.Hits {
		hv := hitView{
			Index: i, When: view.When(h), Speaker: h.Speaker, Rule: h.RuleID, Category: h.Category, Severity: h.Severity,
			Kind: h.Kind, Evidence: view.Evidence(h, t), Penalty: view.Points(h.Penalty), Summary: hitSummary(h, t),
			Trigger: view.Trigger(h, t), Segment: h.SegmentIndex,
		}
		if h.Timed {
			hv.Start = num(h.Start)
		}
		p.Hits = append(p.Hits, hv)
	}
	p.HitDetail = "Click a hit in the table or in the transcript."
	switch {
	case c.End() > 0 && (c.Parties != nil || c.Silence != nil):
		p.Timeline = timelineSVG(c, lex.Settings.DeadAirMinS)
		p.Legend = timelineLegend(c)
		p.HitDetail = "Click a hit on the timeline, in the table or in the transcript."
	case t != nil && !t.Timed:
		p.NoTimes = "No timeline: the transcript has no times and there is no recording."
	default:
		p.NoTimes = "No timeline: no recording and no timed transcript."
	}
	if t != nil {
		p.Untimed = !t.Timed
		p.Segments = segments(t, c.Card.Hits)
	}
	return p
}

// segments are the utterances with the words of their hits marked. Where
// two hits' words overlap, the first keeps the mark; both stay listed.
func segments(t *transcript.Transcript, hits []score.Hit) []segmentView {
	type span struct{ start, end, hit int }
	marks := map[int][]span{}
	triggers := map[int]string{} // hit -> who said its trigger
	for i, h := range hits {
		if h.SegmentIndex < 0 || h.Matched == "" {
			continue
		}
		si := h.SegmentIndex
		if si >= len(t.Segments) {
			continue
		}
		text := t.Segments[si].Text
		from := 0
		for _, m := range marks[si] { // the same words again: the next occurrence
			if text[m.start:m.end] == h.Matched {
				from = m.end
			}
		}
		at := strings.Index(text[from:], h.Matched)
		if at < 0 {
			at = strings.Index(text, h.Matched)
			from = 0
		}
		if at < 0 {
			marks[si] = append(marks[si], span{-1, -1, i}) // marks the utterance only
			continue
		}
		marks[si] = append(marks[si], span{from + at, from + at + len(h.Matched), i})
		triggers[i] = view.Trigger(h, t)
	}
	out := make([]segmentView, len(t.Segments))
	for i, s := range t.Segments {
		v := segmentView{Index: i, Speaker: s.Speaker, When: "", Hit: len(marks[i]) > 0}
		if t.Timed {
			v.When, v.Start = view.Clock(s.Start), num(s.Start)
		}
		spans := marks[i]
		sort.SliceStable(spans, func(a, b int) bool { return spans[a].start < spans[b].start })
		pos := 0
		for _, m := range spans {
			if m.start < pos {
				continue
			}
			if m.start > pos {
				v.Parts = append(v.Parts, textPart{s.Text[pos:m.start], -1, ""})
			}
			v.Parts = append(v.Parts, textPart{s.Text[m.start:m.end], m.hit, triggers[m.hit]})
			pos = m.end
		}
		if pos < len(s.Text) {
			v.Parts = append(v.Parts, textPart{s.Text[pos:], -1, ""})
		}
		out[i] = v
	}
	return out
}

// timelineLegend explains every colour the call's timeline can show: the
// lanes it has and the severities of its hits.
func timelineLegend(c *pipeline.Call) []legendKey {
	keys := []legendKey{{"var(--agent)", "agent speech"}, {"var(--customer)", "customer speech"}}
	if c.Silence != nil {
		keys = append(keys, legendKey{"var(--silence)", "silence"}, legendKey{"var(--deadair)", "dead air"})
	}
	if c.Overtalk != nil {
		keys = append(keys, legendKey{"var(--overtalk)", "overtalk"})
	}
	for _, sev := range []string{lexicon.SeverityMinor, lexicon.SeverityMajor, lexicon.SeverityFatal} {
		keys = append(keys, legendKey{template.CSS("var(--" + sev + ")"), sev + " hit (hover or click)"})
	}
	return keys
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
