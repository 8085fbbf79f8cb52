package htmlview

import (
	"fmt"
	"html/template"
	"math"
	"strings"

	"github.com/callqa/callqa/pipeline"
	"github.com/callqa/callqa/pipeline/stage/features"
	"github.com/callqa/callqa/pipeline/stage/score"
	"github.com/callqa/callqa/pipeline/stage/transcript"
	"github.com/callqa/callqa/pipeline/timeline"
	"github.com/callqa/callqa/pipeline/view"
)

// The lanes of the timeline, in SVG units from its top: the time axis, the
// agent, the customer, then the hits. Silences and overtalk span both
// party lanes, so that a gap or a clash reads across them.
const (
	agentY, customerY, hitsY = 24, 64, 104
	laneH                    = 32
	// Hit markers that would overlap stack in up to hitRows rows.
	hitRows, hitRowH = 3, 12
	timelineH        = hitsY + hitRows*hitRowH + 6
)

// tickSteps are the spacings of the time axis, in seconds.
var tickSteps = []float64{1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600}

// timelineSVG draws one call: who spoke when, the silences (dead air
// marked), the overtalk, and a marker for every timed hit. Horizontal
// positions are percentages of the call, so the page zooms by widening the
// SVG and nothing is redrawn.
func timelineSVG(c *pipeline.Call, deadAirMinS float64) template.HTML {
	end := c.End()
	pos := func(t float64) string { return num(100*t/end) + "%" }
	width := func(iv timeline.Interval) string { return num(max(0, 100*iv.Len()/end)) + "%" }
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg id="timeline" class="timeline" height="%d" style="width:100%%" data-end="%s" role="img" aria-label="timeline of the call, %s long">`,
		timelineH, num(end), svgText(view.Clock(end)))

	for _, tk := range ticks(end) {
		class := "tick"
		if tk.zoom > 1 {
			class += fmt.Sprintf(" z%d", tk.zoom)
		}
		fmt.Fprintf(&sb, `<line class="%s" x1="%s" x2="%s" y1="14" y2="%d"/>`, class, pos(tk.t), pos(tk.t), timelineH)
		if tk.labeled {
			fmt.Fprintf(&sb, `<text class="%s" x="%s" y="11">%s</text>`, class, pos(tk.t), svgText(view.Clock(tk.t)))
		}
	}

	var silences []timeline.Interval
	if c.Silence != nil {
		silences = c.Silence.Intervals
	}
	for _, s := range silences {
		class, what := "silence", "silence"
		if s.Len() >= deadAirMinS {
			class, what = "deadair", "dead air"
		}
		fmt.Fprintf(&sb, `<rect class="%s" x="%s" width="%s" y="%d" height="%d"><title>%s %s–%s (%.1f s)</title></rect>`,
			class, pos(s.Start), width(s), agentY, customerY+laneH-agentY, what, view.Clock(s.Start), view.Clock(s.End), s.Len())
	}
	var agent, customer []timeline.Interval
	if c.Parties != nil {
		agent, customer = c.Parties.Agent, c.Parties.Customer
	}
	for _, lane := range []struct {
		class string
		y     int
		ivs   []timeline.Interval
	}{{"agent", agentY, agent}, {"customer", customerY, customer}} {
		fmt.Fprintf(&sb, `<g class="lane %s">`, lane.class)
		for _, iv := range lane.ivs {
			fmt.Fprintf(&sb, `<rect class="speech" x="%s" width="%s" y="%d" height="%d"><title>%s speaks %s–%s</title></rect>`,
				pos(iv.Start), width(iv), lane.y+4, laneH-8, lane.class, view.Clock(iv.Start), view.Clock(iv.End))
		}
		sb.WriteString(`</g>`)
	}
	var episodes []features.Episode
	if c.Overtalk != nil {
		episodes = c.Overtalk.Episodes
	}
	for _, ep := range episodes {
		who := "agent"
		if ep.StartedBy == features.Customer {
			who = "customer"
		}
		what := "overtalk started by the " + who
		if ep.Interruption {
			what = "the " + who + " interrupts"
		}
		fmt.Fprintf(&sb, `<rect class="overtalk" x="%s" width="%s" y="%d" height="%d"><title>%s %s–%s (%.1f s)</title></rect>`,
			pos(ep.Start), width(ep.Interval), agentY, customerY+laneH-agentY, what, view.Clock(ep.Start), view.Clock(ep.End), ep.Len())
	}

	rowEnd := make([]float64, hitRows) // where each row of markers is free again
	for i, h := range c.Card.Hits {
		if !h.Timed {
			continue
		}
		iv := timeline.Interval{Start: h.Start, End: max(h.Start, h.End)}
		row := hitRows - 1
		for r, free := range rowEnd {
			if iv.Start >= free {
				row = r
				break
			}
		}
		rowEnd[row] = iv.Start + end*0.015 // a marker is about 1.5 % of the call wide
		y := hitsY + 6 + row*hitRowH
		fmt.Fprintf(&sb, `<g class="hit sev-%s kind-%s" id="mark-%d" data-hit="%d" tabindex="0" role="button" aria-label="%s">`,
			svgText(h.Severity), svgText(h.Kind), i, i, svgText(hitSummary(h, c.Transcript)))
		fmt.Fprintf(&sb, `<title>%s</title>`, svgText(hitSummary(h, c.Transcript)))
		fmt.Fprintf(&sb, `<rect class="span" x="%s" width="%s" y="%d" height="4"/>`, pos(iv.Start), width(iv), y-2)
		fmt.Fprintf(&sb, `<circle cx="%s" cy="%d" r="5"/>`, pos(iv.Start), y)
		sb.WriteString(`</g>`)
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String())
}

// tick is a time on the axis, shown from zoom on (1, 4 or 16); a tick too
// close to the end for its label has no label, so none is cut off.
type tick struct {
	t       float64
	zoom    int
	labeled bool
}

// ticks are the times of the axis: about ten over the call at each zoom
// level, so that a long call zoomed in still has its seconds marked. Their
// number never depends on the call's length: an absurd end (a transcript
// time of 1e12 s) gets ten ticks a level like any other.
func ticks(end float64) []tick {
	if !(end > 0) || math.IsInf(end, 0) {
		return nil
	}
	var out []tick
	seen := map[float64]bool{}
	for _, zoom := range []int{1, 4, 16} {
		step := tickStep(end, 10*float64(zoom))
		for i := 0; float64(i)*step < end; i++ {
			t := float64(i) * step
			if !seen[t] {
				seen[t] = true
				// A label takes most of a step: the last one fits only
				// with most of a step left before the end.
				out = append(out, tick{t, zoom, end-t >= 0.8*step})
			}
		}
	}
	return out
}

// tickStep is the spacing that puts at most n ticks over [0, end): one of
// tickSteps, else a whole number of hours (1, 2 or 5 times a power of ten).
func tickStep(end, n float64) float64 {
	for _, s := range tickSteps {
		if end/s <= n {
			return s
		}
	}
	return 3600 * niceMax(end/3600/n)
}

// hitSummary is a hit in one line: when, who, which rule, what, its cost
// (t is the call's transcript, nil without one).
func hitSummary(h score.Hit, t *transcript.Transcript) string {
	return fmt.Sprintf("%s · %s · %s (%s, %s) · %s · %s points", view.When(h), h.Speaker, h.RuleID, h.Category, h.Severity,
		view.Evidence(h, t), view.Points(h.Penalty))
}
