package htmlview

import (
	"bytes"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/callqa/callqa/pipeline"
	"github.com/callqa/callqa/pipeline/sink"
	"github.com/callqa/callqa/pipeline/source"
	"github.com/callqa/callqa/pipeline/stage/audio"
	"github.com/callqa/callqa/pipeline/stage/features"
	"github.com/callqa/callqa/pipeline/stage/rules"
	"github.com/callqa/callqa/pipeline/stage/score"
	"github.com/callqa/callqa/pipeline/stage/transcript"
	"github.com/callqa/callqa/pipeline/timeline"
	"github.com/callqa/callqa/pipeline/view"
)

// A segment ending at 1e12 s (an absurd ASR time) once made the axis a
// tick per hour of it: the page ran out of memory. Its size must not
// depend on the call's length.
func TestAbsurdEndRendersBounded(t *testing.T) {
	const far = 1e12
	x := &pipeline.Call{
		Source:    source.Call{ID: "far"},
		Recording: &audio.Recording{Duration: 36},
		Parties:   &pipeline.Parties{Agent: []timeline.Interval{{Start: 0, End: 2}, {Start: 5, End: far}}},
		Silence:   &features.Silence{Intervals: []timeline.Interval{{Start: 2, End: 5}}},
		Transcript: &transcript.Transcript{Timed: true, Segments: []transcript.Segment{
			{Speaker: "agent", Start: 0, End: 2, Text: "您好"}, {Speaker: "agent", Start: 5, End: far, Text: "再见"}}},
		Card: score.Card{Score: 100, Passed: true, Hits: []score.Hit{{Hit: rules.Hit{
			RuleID: "r", Kind: "banned", Severity: "minor", Speaker: "agent", Start: 5, End: far, Timed: true, SegmentIndex: 1, Text: "再见", Matched: "再见"}}}},
	}
	small := *x
	small.Parties = &pipeline.Parties{Agent: []timeline.Interval{{Start: 0, End: 2}, {Start: 5, End: 36}}}
	small.Transcript = &transcript.Transcript{Timed: true, Segments: []transcript.Segment{
		{Speaker: "agent", Start: 0, End: 2, Text: "您好"}, {Speaker: "agent", Start: 5, End: 36, Text: "再见"}}}
	for _, end := range []float64{far, math.MaxFloat64, math.Inf(1), math.NaN()} {
		if n := len(ticks(end)); n > 10+40+160 {
			t.Errorf("ticks(%g): %d ticks", end, n)
		}
	}
	page := callPageOf(t, x, CallOptions{})
	normal := callPageOf(t, &small, CallOptions{})
	if len(page) > 2*len(normal) {
		t.Errorf("a call ending at %g s makes a page of %d bytes, a 36 s one %d", far, len(page), len(normal))
	}
	if !bytes.Contains(page, []byte(`id="timeline"`)) {
		t.Error("no timeline")
	}
}

// A hit past its rule's cap costs nothing: "0", never "−0", in the table,
// the tooltips and the text view.
func TestCappedHitShowsZero(t *testing.T) {
	x := sample(t, "banned-phrase")
	capped := -1
	for i, h := range x.Card.Hits {
		if h.Penalty == 0 {
			capped = i
		}
	}
	if capped < 0 {
		t.Fatal("the banned-phrase sample has no capped hit any more")
	}
	page := callPageOf(t, x, CallOptions{})
	doc := parse(t, page)
	cells := find(byID(doc, "hit-"+strconv.Itoa(capped)), func(n *html.Node) bool { return n.Data == "td" })
	if got := text(cells[len(cells)-1]); got != "0" {
		t.Errorf("capped hit's points %q", got)
	}
	var txt bytes.Buffer
	if err := view.WriteText(&txt, x, defaultLexicon(t)); err != nil {
		t.Fatal(err)
	}
	negZero := regexp.MustCompile(`(?m)(^|[\s>])[−-]0([^.\d]|$)`)
	for name, out := range map[string][]byte{"page": page, "text": txt.Bytes()} {
		if m := negZero.Find(out); m != nil {
			t.Errorf("%s shows a negative zero: %q", name, m)
		}
	}
	negative := math.Copysign(0, -1)
	if view.Points(negative) != "0" || view.Points(0.001) != "0" || view.Points(5) != "−5" || view.Points(2.5) != "−2.5" {
		t.Errorf("Points: %q %q %q %q", view.Points(negative), view.Points(0.001), view.Points(5), view.Points(2.5))
	}
}

// A conditional hit's words are the customer's complaint: the page says
// whose words they are, and marks them as a trigger, not as the agent's.
func TestConditionalHitShowsTheTriggersSpeaker(t *testing.T) {
	x := sample(t, "text-only")
	doc := parse(t, callPageOf(t, x, CallOptions{}))
	found := false
	for i, h := range x.Card.Hits {
		if h.Kind != "conditional" {
			continue
		}
		found = true
		row := byID(doc, "hit-"+strconv.Itoa(i))
		tag := find(row, func(n *html.Node) bool { return attr(n, "class") == "trigger-tag" })
		if len(tag) != 1 || text(tag[0]) != "customer's words" || !strings.Contains(text(row), `the customer said "服务太差"`) {
			t.Errorf("hit %d row: %q", i, text(row))
		}
		marks := find(byID(doc, "seg-"+strconv.Itoa(h.SegmentIndex)), func(n *html.Node) bool { return n.Data == "mark" })
		if len(marks) != 1 || attr(marks[0], "class") != "hit trigger" || !strings.Contains(attr(marks[0], "title"), "customer's words") {
			t.Errorf("hit %d: trigger not marked as the customer's words", i)
		}
		if !strings.Contains(text(byID(doc, "mark-"+strconv.Itoa(i))), "the customer said") {
			t.Errorf("hit %d: timeline tooltip %q", i, text(byID(doc, "mark-"+strconv.Itoa(i))))
		}
	}
	if !found {
		t.Fatal("the text-only sample has no conditional hit any more")
	}
}

// A transcript without times and without a recording has nothing to draw:
// no timeline section, and nothing asks to click one.
func TestTranscriptOnlyPageHasNoEmptyTimeline(t *testing.T) {
	x := &pipeline.Call{
		Source:     source.Call{ID: "plain"},
		Transcript: &transcript.Transcript{Segments: []transcript.Segment{{Speaker: "agent", Text: "您好"}, {Speaker: "agent", Text: "你有病吧"}}},
		Card: score.Card{Hits: []score.Hit{{Penalty: 100, Hit: rules.Hit{
			RuleID: "banned.abuse", Kind: "banned", Severity: "fatal", Speaker: "agent", SegmentIndex: 1, Text: "你有病吧", Matched: "你有病吧"}}}},
	}
	doc := parse(t, callPageOf(t, x, CallOptions{}))
	if byID(doc, "timeline-section") != nil || byID(doc, "timeline-legend") != nil {
		t.Error("an empty timeline section")
	}
	if got := text(doc); strings.Contains(got, "on the timeline") || !strings.Contains(text(byID(doc, "hit-detail")), "in the table") {
		t.Errorf("the page mentions a timeline it does not have: %q", text(byID(doc, "hit-detail")))
	}
}

// Every line the text view (callqa inspect) prints about a call is on its
// page too: each fact, measure, warning, hit and cost.
func TestCallPageShowsWhatTheTextViewShows(t *testing.T) {
	run, err := sampleRun()
	if err != nil {
		t.Fatal(err)
	}
	calls := []*pipeline.Call{audioOnly(t)}
	for i := range run {
		calls = append(calls, &run[i])
	}
	lex := defaultLexicon(t)
	headings := regexp.MustCompile(`^(call|measures|hits \(\d+\)|score|warning|score: none .*)$`)
	for _, x := range calls {
		x.Warnings = append(x.Warnings[:len(x.Warnings):len(x.Warnings)], "a warning for the test")
		var txt bytes.Buffer
		if err := view.WriteText(&txt, x, lex); err != nil {
			t.Fatal(err)
		}
		page := strings.Join(strings.Fields(text(parse(t, callPageOf(t, x, CallOptions{})))), " ")
		for line := range strings.Lines(txt.String()) {
			for _, field := range regexp.MustCompile(`\s{2,}|\t`).Split(strings.TrimSpace(line), -1) {
				if field == "" || headings.MatchString(field) || field == x.Source.ID {
					continue
				}
				field = regexp.MustCompile(`^-(\d)`).ReplaceAllString(field, "−$1") // the page's minus
				if !strings.Contains(page, strings.Join(strings.Fields(field), " ")) {
					t.Errorf("%s: the text view's %q is not on the page", x.Source.ID, field)
				}
			}
		}
	}
}

// audioOnly is the overtalk sample's recording without its transcript.
func audioOnly(t *testing.T) *pipeline.Call {
	t.Helper()
	e, err := pipeline.New(pipeline.Config{Lexicon: defaultLexicon(t)})
	if err != nil {
		t.Fatal(err)
	}
	c := e.Process(source.Call{ID: "audio-only", AudioPath: samples + "/overtalk.wav"})
	if c.Failed() || c.Scored() || c.Recording == nil {
		t.Fatalf("audio-only call: %v", c.Err)
	}
	return &c
}

// Every colour a page uses is explained: each chart's bar colours by its
// legend, the timeline's lanes and hit severities by the timeline's.
func TestEveryColourIsExplained(t *testing.T) {
	calls, hits := sampleRows(t)
	doc := parse(t, render(t, func(w io.Writer) error {
		return WriteBatch(w, Summarize(calls, hits, 3), BatchOptions{Source: "out", PassMark: 80})
	}))
	charts := find(doc, func(n *html.Node) bool { return n.Data == "svg" && attr(n, "class") == "chart" })
	if len(charts) != 5 {
		t.Fatalf("%d charts", len(charts))
	}
	for _, c := range charts {
		legend := find(doc, func(n *html.Node) bool { return attr(n, "data-chart") == attr(c, "id") })
		if len(legend) != 1 {
			t.Errorf("%s: no legend", attr(c, "id"))
			continue
		}
		for _, bar := range find(c, func(n *html.Node) bool { return n.Data == "g" }) {
			class := strings.TrimSpace(strings.TrimPrefix(attr(bar, "class"), "bar"))
			key := find(legend[0], func(n *html.Node) bool { return n.Data == "span" && attr(n, "data-class") == class })
			if len(key) != 1 || strings.TrimSpace(text(key[0])) == "" {
				t.Errorf("%s: bar colour %q not explained", attr(c, "id"), class)
			}
		}
	}
	for _, id := range []string{"dead-air", "banned-phrase", "text-only"} {
		doc := parse(t, callPageOf(t, sample(t, id), CallOptions{}))
		legend := text(byID(doc, "timeline-legend"))
		need := map[string]string{"speech": "speech", "silence": "silence", "deadair": "dead air", "overtalk": "overtalk"}
		for _, n := range find(byID(doc, "timeline"), func(n *html.Node) bool { return n.Data == "rect" || n.Data == "g" }) {
			class := attr(n, "class")
			if words, ok := need[class]; ok && !strings.Contains(legend, words) {
				t.Errorf("%s: %s drawn but not in the legend %q", id, class, legend)
			}
			if sev, ok := strings.CutPrefix(class, "hit sev-"); ok {
				sev, _, _ = strings.Cut(sev, " ")
				if !strings.Contains(legend, sev+" hit") {
					t.Errorf("%s: %s hits drawn but not in the legend %q", id, sev, legend)
				}
			}
		}
	}
}

// No label is cut off: a tick too near the end of the call has no label,
// and a chart's slanted labels stay inside its viewBox however long.
func TestLabelsStayInside(t *testing.T) {
	for _, end := range []float64{15, 36, 3599, 7201} {
		for _, tk := range ticks(end) {
			step := tickStep(end, map[int]float64{1: 10, 4: 40, 16: 160}[tk.zoom])
			if tk.labeled && end-tk.t < 0.8*step {
				t.Errorf("ticks(%g): label at %g, %g before the end (step %g)", end, tk.t, end-tk.t, step)
			}
		}
	}
	long := []Bar{{Label: "一个相当长的中文类别名称", Value: 3}, {Label: "confrontation_and_blaming", Value: 120000}, {Label: "x", Value: 1}}
	for _, bars := range [][]Bar{long, long[:1], append(long, long...)} {
		svg := string(columnChart("c", "t", "u", bars, map[string]string{"": "k"}))
		vb := regexp.MustCompile(`viewBox="0 0 ([\d.]+) ([\d.]+)"`).FindStringSubmatch(svg)
		w, _ := strconv.ParseFloat(vb[1], 64)
		h, _ := strconv.ParseFloat(vb[2], 64)
		label := regexp.MustCompile(`<text class="(label|axis)" x="([\d.]+)" y="([\d.]+)" text-anchor="(\w+)"( transform="rotate\(-35[^"]*\)")?>([^<]*)</text>`)
		for _, m := range label.FindAllStringSubmatch(svg, -1) {
			x, _ := strconv.ParseFloat(m[2], 64)
			y, _ := strconv.ParseFloat(m[3], 64)
			tw := textWidth(html.UnescapeString(m[6]), 11)
			left, right, bottom := x-tw/2, x+tw/2, y
			switch {
			case m[5] != "":
				left, right, bottom = x-tw*math.Cos(35*math.Pi/180), x, y+tw*math.Sin(35*math.Pi/180)
			case m[4] == "end":
				left, right = x-tw, x
			}
			if left < 0 || right > w || bottom > h {
				t.Errorf("%d bars: label %q spans x %.0f–%.0f, y to %.0f: outside 0 0 %g %g", len(bars), m[6], left, right, bottom, w, h)
			}
		}
	}
}

// A recording without its transcript has no score, but it is listed on
// the batch page (after the scored calls) and gets a page like the others.
func TestAudioOnlyCallsAreListed(t *testing.T) {
	x := audioOnly(t)
	row, hits := sink.Rows(x)
	scored := sink.CallRow{CallID: "s", LexiconVersion: row.LexiconVersion, Score: ptr(50.0), Passed: ptr(false)}
	b := Summarize([]sink.CallRow{scored, row}, hits, 1)
	if len(b.Worst) != 2 || b.Worst[0].CallID != "s" || b.Worst[1].CallID != "audio-only" {
		t.Fatalf("worst: %v", ids(b.Worst))
	}
	doc := parse(t, render(t, func(w io.Writer) error {
		return WriteBatch(w, b, BatchOptions{Source: "out", PassMark: 80, Links: map[string]string{"audio-only": "report-calls/a.html", "s": "report-calls/s.html"}})
	}))
	rows := find(byID(doc, "unscored"), func(n *html.Node) bool { return n.Data == "tr" && attr(n, "data-call") != "" })
	if len(rows) != 1 || attr(rows[0], "data-call") != "audio-only" || len(find(rows[0], func(n *html.Node) bool { return attr(n, "href") == "report-calls/a.html" })) != 1 {
		t.Errorf("audio-only call not listed with its page link: %q", text(byID(doc, "unscored")))
	}
	if worst := find(byID(doc, "worst"), func(n *html.Node) bool { return attr(n, "data-call") != "" }); len(worst) != 1 {
		t.Errorf("%d rows among the scored calls", len(worst))
	}
	page := parse(t, callPageOf(t, x, CallOptions{}))
	if byID(page, "timeline") == nil || !strings.Contains(text(byID(page, "score-none")), "No score") {
		t.Error("the audio-only call's page has no timeline or no note on its score")
	}
}

// The batch page counts warnings by kind (numbers aside) and names the
// calls behind each, linked to their pages, up to maxNamedCalls.
func TestBatchPageCountsWarningsByKind(t *testing.T) {
	var calls []sink.CallRow
	for i := range maxNamedCalls + 3 {
		calls = append(calls, sink.CallRow{CallID: "c" + strconv.Itoa(i), Warnings: []string{"transcript: segment " + strconv.Itoa(i) + ": NUL characters removed"}})
	}
	calls[0].Warnings = append(calls[0].Warnings, "needs review: the recording lasts 0.1 s but the transcript runs to 30.0 s: the audio figures cover part of the call")
	calls = append(calls, sink.CallRow{CallID: "clean", Warnings: []string{}})
	doc := parse(t, render(t, func(w io.Writer) error {
		return WriteBatch(w, Summarize(calls, nil, 3), BatchOptions{Source: "out", PassMark: 80, Links: map[string]string{"c0": "report-calls/c0.html"}})
	}))
	rows := find(byID(doc, "warnings"), func(n *html.Node) bool { return n.Data == "tr" })[1:] // less the header
	if len(rows) != 2 {
		t.Fatalf("%d kinds of warning: %q", len(rows), text(byID(doc, "warnings")))
	}
	first, second := text(rows[0]), text(rows[1])
	if !strings.HasPrefix(first, "transcript: segment #: NUL characters removed53c0, c1") || !strings.HasSuffix(first, "c49 and 3 more") || strings.Contains(first, "clean") {
		t.Errorf("first kind: %q", first)
	}
	if !strings.HasPrefix(second, "needs review: the recording lasts # s but the transcript runs to # s") || !strings.HasSuffix(second, "1c0") {
		t.Errorf("second kind: %q", second)
	}
	if links := find(rows[0], func(n *html.Node) bool { return attr(n, "href") == "report-calls/c0.html" }); len(links) != 1 {
		t.Error("a call with a page is not linked to it")
	}
}
