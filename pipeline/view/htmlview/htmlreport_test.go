package htmlview

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/net/html"

	"github.com/callqa/callqa/lexicon"
	"github.com/callqa/callqa/pipeline"
	"github.com/callqa/callqa/pipeline/sink"
	"github.com/callqa/callqa/pipeline/source"
	"github.com/callqa/callqa/pipeline/stage/features"
	"github.com/callqa/callqa/pipeline/stage/rules"
	"github.com/callqa/callqa/pipeline/stage/score"
	"github.com/callqa/callqa/pipeline/stage/transcript"
	"github.com/callqa/callqa/pipeline/timeline"
)

const samples = "../../../testdata/calls"

// sampleRun processes the bundled sample calls once with the default
// lexicon, as callqa run does.
var sampleRun = sync.OnceValues(func() ([]pipeline.Call, error) {
	lex, err := lexicon.Load()
	if err != nil {
		return nil, err
	}
	e, err := pipeline.New(pipeline.Config{Lexicon: lex})
	if err != nil {
		return nil, err
	}
	calls, err := source.Find([]string{samples})
	if err != nil {
		return nil, err
	}
	var out []pipeline.Call
	for _, c := range calls {
		out = append(out, e.Process(c))
	}
	return out, nil
})

func sample(t *testing.T, id string) *pipeline.Call {
	t.Helper()
	run, err := sampleRun()
	if err != nil {
		t.Fatal(err)
	}
	for i := range run {
		if run[i].Source.ID == id {
			return &run[i]
		}
	}
	t.Fatalf("no sample call %s", id)
	return nil
}

// sampleRows are the rows of calls.parquet and hits.parquet of the sample
// run.
func sampleRows(t *testing.T) ([]sink.CallRow, []sink.HitRow) {
	t.Helper()
	run, err := sampleRun()
	if err != nil {
		t.Fatal(err)
	}
	var calls []sink.CallRow
	var hits []sink.HitRow
	for i := range run {
		call, callHits := sink.Rows(&run[i])
		calls = append(calls, call)
		hits = append(hits, callHits...)
	}
	return calls, hits
}

func defaultLexicon(t *testing.T) *lexicon.Lexicon {
	t.Helper()
	lex, err := lexicon.Load()
	if err != nil {
		t.Fatal(err)
	}
	return lex
}

func render(t *testing.T, write func(io.Writer) error) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func callPageOf(t *testing.T, x *pipeline.Call, opts CallOptions) []byte {
	t.Helper()
	lex := defaultLexicon(t)
	return render(t, func(w io.Writer) error { return WriteCall(w, x, lex, opts) })
}

func TestCallPageGolden(t *testing.T) {
	for _, id := range []string{"banned-phrase", "overtalk", "text-only"} {
		t.Run(id, func(t *testing.T) {
			checkGolden(t, "call-"+id, callPageOf(t, sample(t, id), CallOptions{}))
		})
	}
}

func TestBatchPageGolden(t *testing.T) {
	calls, hits := sampleRows(t)
	b := Summarize(calls, hits, 3)
	page := render(t, func(w io.Writer) error {
		return WriteBatch(w, b, BatchOptions{Source: "out/demo", PassMark: 80, Links: map[string]string{"text-only": "report-calls/text-only.html"}})
	})
	checkGolden(t, "batch-demo", page)
}

// The banned-phrase sample, as a reviewer sees it: its score, a marker and
// a table row per hit, and the matched words marked in the utterance.
func TestCallPageShowsTheHits(t *testing.T) {
	x := sample(t, "banned-phrase")
	doc := parse(t, callPageOf(t, x, CallOptions{}))
	if got := text(byID(doc, "score")); got != "70" {
		t.Errorf("score = %q, want 70", got)
	}
	if got := text(byID(doc, "verdict")); got != "failed" {
		t.Errorf("verdict = %q", got)
	}
	markers := find(doc, func(n *html.Node) bool { return n.Data == "g" && strings.Contains(attr(n, "class"), "hit") })
	rows := find(doc, func(n *html.Node) bool { return n.Data == "tr" && attr(n, "data-hit") != "" })
	hits := x.Card.Hits
	if len(markers) != len(hits) || len(rows) != len(hits) || len(hits) != 4 {
		t.Fatalf("%d hits: %d markers, %d rows", len(hits), len(markers), len(rows))
	}
	for i, h := range hits {
		if !strings.Contains(attr(rows[i], "data-summary"), h.RuleID) || !strings.Contains(text(byID(doc, "mark-"+strconv.Itoa(i))), h.Matched) {
			t.Errorf("hit %d (%s %q): row %q, marker %q", i, h.RuleID, h.Matched, attr(rows[i], "data-summary"), text(byID(doc, "mark-"+strconv.Itoa(i))))
		}
		seg := byID(doc, "seg-"+strconv.Itoa(h.SegmentIndex))
		marked := find(seg, func(n *html.Node) bool { return n.Data == "mark" && attr(n, "data-hit") == strconv.Itoa(i) })
		if len(marked) != 1 || text(marked[0]) != h.Matched {
			t.Errorf("hit %d: %q not marked in its utterance %q", i, h.Matched, text(seg))
		}
	}
	if got := text(byID(doc, "breakdown-total")); got != "= 70" {
		t.Errorf("breakdown total %q", got)
	}
}

// Timeline lanes: every speech interval, silence (dead air apart) and
// overtalk episode of the call is drawn.
func TestTimelineDrawsEveryInterval(t *testing.T) {
	for _, id := range []string{"dead-air", "overtalk"} {
		x := sample(t, id)
		doc := parse(t, callPageOf(t, x, CallOptions{}))
		count := func(class string) int {
			return len(find(byID(doc, "timeline"), func(n *html.Node) bool { return n.Data == "rect" && attr(n, "class") == class }))
		}
		silences, deadAir, overtalk := x.Silence.Intervals, len(x.Silence.DeadAir), x.Overtalk.Episodes
		agent, customer := x.Parties.Agent, x.Parties.Customer
		if count("speech") != len(agent)+len(customer) || count("deadair") != deadAir ||
			count("silence") != len(silences)-deadAir || count("overtalk") != len(overtalk) {
			t.Errorf("%s: drawn %d speech, %d silence, %d dead air, %d overtalk; call has %d+%d speech, %d silences (%d dead air), %d overtalk",
				id, count("speech"), count("silence"), count("deadair"), count("overtalk"),
				len(agent), len(customer), len(silences), deadAir, len(overtalk))
		}
		if id == "dead-air" && deadAir != 1 || id == "overtalk" && len(overtalk) != 2 {
			t.Errorf("%s: %d dead air, %d overtalk: the sample changed", id, deadAir, len(overtalk))
		}
	}
}

// Transcript words, call ids and paths are untrusted: they must reach the
// reader as text, never as markup or script.
func TestCallPageKeepsWordsAsText(t *testing.T) {
	evil := `<script>alert(1)</script><img src=x onerror=alert(2)>`
	x := &pipeline.Call{
		Source:         source.Call{ID: `"><svg onload=alert(3)>`, AudioPath: `a"b<i>.wav`},
		LexiconVersion: "l@1",
		Warnings:       []string{"<b>warn</b>"},
		Transcript: &transcript.Transcript{
			Segments: []transcript.Segment{{Speaker: "agent", Start: 1, End: 10, Text: evil}},
			Timed:    true,
		},
		Parties: &pipeline.Parties{Agent: []timeline.Interval{{Start: 1, End: 2}}},
		Card: score.Card{Score: 90, Passed: true, Hits: []score.Hit{{Penalty: 10, Hit: rules.Hit{
			RuleID: "r<1>", Kind: "banned", Category: "c\"", Severity: "major", Speaker: "agent",
			Start: 1, End: 2, Timed: true, SegmentIndex: 0, Text: evil, Matched: "<script>"}}}},
	}
	page := callPageOf(t, x, CallOptions{Notice: "<i>n</i>"})
	doc := parse(t, page)
	scripts := find(doc, func(n *html.Node) bool { return n.Data == "script" })
	injected := find(doc, func(n *html.Node) bool {
		return n.Data == "img" || (n.Data == "b" || n.Data == "i") && (text(n) == "warn" || text(n) == "n")
	})
	if len(scripts) != 1 || len(injected) != 0 {
		t.Fatalf("markup from the input reached the page:\n%s", page)
	}
	for _, n := range find(doc, func(*html.Node) bool { return true }) {
		for _, a := range n.Attr {
			if strings.HasPrefix(a.Key, "on") {
				t.Errorf("event handler attribute %s=%q on <%s>", a.Key, a.Val, n.Data)
			}
		}
	}
	if got := text(byID(doc, "seg-0")); !strings.Contains(got, evil) {
		t.Errorf("utterance shown as %q", got)
	}
	if got := text(byID(doc, "call-id")); got != x.Source.ID {
		t.Errorf("call id shown as %q", got)
	}
	if got := text(byID(doc, "notice")); got != "<i>n</i>" {
		t.Errorf("notice shown as %q", got)
	}
}

func TestUntimedTranscriptHasNoTimeline(t *testing.T) {
	x := &pipeline.Call{
		Source:     source.Call{ID: "plain"},
		Transcript: &transcript.Transcript{Segments: []transcript.Segment{{Speaker: "agent", Text: "您好"}}},
		Card:       score.Card{Score: 100, Passed: true},
	}
	doc := parse(t, callPageOf(t, x, CallOptions{}))
	if byID(doc, "timeline") != nil || !strings.Contains(text(byID(doc, "no-timeline")), "no times") {
		t.Error("an untimed transcript without recording got a timeline")
	}
	if n := len(find(doc, func(n *html.Node) bool { return attr(n, "class") == "when" })); n != 0 {
		t.Errorf("%d utterance times shown for an untimed transcript", n)
	}
}

func TestFailedCallPageShowsTheError(t *testing.T) {
	x := &pipeline.Call{Source: source.Call{ID: "bad"}, Err: errors.New("audio bad.wav: not a WAV file")}
	doc := parse(t, callPageOf(t, x, CallOptions{}))
	if !strings.Contains(text(byID(doc, "error")), "not a WAV file") || byID(doc, "timeline-section") != nil {
		t.Errorf("failed call page: %q", text(byID(doc, "summary")))
	}
}

func TestHitMarkersStack(t *testing.T) {
	x := sample(t, "banned-phrase")
	svg := string(timelineSVG(x, 5))
	// Two pairs of hits start together: each pair takes two rows.
	for _, y := range []string{`cy="110"`, `cy="122"`} {
		if strings.Count(svg, y) != 2 {
			t.Errorf("%d markers at %s, want 2:\n%s", strings.Count(svg, y), y, svg)
		}
	}
}

func TestTicks(t *testing.T) {
	for _, tc := range []struct {
		end         float64
		z1, z4, z16 []float64 // the first ticks of each level
		n1, n4, n16 int       // how many
	}{
		{36, []float64{0, 5, 10}, []float64{1, 2, 3}, nil, 8, 28, 0},
		{3600, []float64{0, 600, 1200}, []float64{120, 240, 360}, []float64{30, 60, 90}, 6, 24, 90},
	} {
		levels := map[int][]float64{}
		for _, tk := range ticks(tc.end) {
			levels[tk.zoom] = append(levels[tk.zoom], tk.t)
		}
		for _, l := range []struct {
			zoom  int
			first []float64
			n     int
		}{{1, tc.z1, tc.n1}, {4, tc.z4, tc.n4}, {16, tc.z16, tc.n16}} {
			got := levels[l.zoom]
			if len(got) != l.n || (l.n > 0 && !slices.Equal(got[:len(l.first)], l.first)) {
				t.Errorf("ticks(%g) at zoom %d: %d ticks %v, want %d starting %v", tc.end, l.zoom, len(got), got, l.n, l.first)
			}
		}
	}
}

func TestHistogram(t *testing.T) {
	bars := histogram([]float64{0, 9.99, 10, 55, 100, 1e9}, scoreBins)
	want := []float64{2, 1, 0, 0, 0, 1, 0, 0, 0, 2}
	for i, b := range bars {
		if b.Value != want[i] {
			t.Errorf("bin %s = %g, want %g", b.Label, b.Value, want[i])
		}
	}
	if got := niceMax(7); got != 10 {
		t.Errorf("niceMax(7) = %g", got)
	}
	if got := niceMax(120); got != 200 {
		t.Errorf("niceMax(120) = %g", got)
	}
}

func TestSummarize(t *testing.T) {
	calls := []sink.CallRow{
		{CallID: "a1", AgentID: ptr("1086"), Team: ptr("北京"), LexiconVersion: "l@1", DurationS: ptr(1800.0), Score: ptr(60.0), Passed: ptr(false),
			BannedCount: ptr(int32(2)), DeadAirCount: ptr(int32(1)), LongestSilenceS: ptr(12.0), OvertalkS: ptr(3.0), InterruptionsByAgent: ptr(int32(1))},
		{CallID: "a2", AgentID: ptr("1086"), Team: ptr("北京"), LexiconVersion: "l@1", DurationS: ptr(1800.0), Score: ptr(100.0), Passed: ptr(true),
			BannedCount: ptr(int32(0)), DeadAirCount: ptr(int32(0)), LongestSilenceS: ptr(1.0), OvertalkS: ptr(0.0)},
		{CallID: "b1", AgentID: ptr("2001"), Team: ptr("上海"), LexiconVersion: "l@1", Score: ptr(60.0), Passed: ptr(false), BannedCount: ptr(int32(3))},
		{CallID: "bad", LexiconVersion: "l@1", Error: ptr("broken")},
	}
	hits := []sink.HitRow{
		{CallID: "a1", RuleID: "banned.x", Category: "shirking", Penalty: 10, Matched: ptr("管不了")},
		{CallID: "a1", RuleID: "banned.x", Category: "shirking", Penalty: 10},
		{CallID: "b1", RuleID: "banned.x", Category: "shirking", Penalty: 10},
		{CallID: "b1", RuleID: "opening", Category: "greeting", Penalty: 5},
	}
	b := Summarize(calls, hits, 2)
	if b.Calls != 4 || b.Failed != 1 || b.Processed != 3 || b.Scored != 3 || b.Passed != 1 || b.AudioHours != 1 {
		t.Errorf("counts: %+v", b)
	}
	if b.AvgScore != 220.0/3 {
		t.Errorf("average score %g", b.AvgScore)
	}
	// Lowest score first; at equal scores, more forbidden phrases first.
	if len(b.Worst) != 2 || b.Worst[0].CallID != "b1" || b.Worst[1].CallID != "a1" {
		t.Errorf("worst: %v", ids(b.Worst))
	}
	if len(b.Rules) != 2 || b.Rules[0] != (RuleStat{RuleID: "banned.x", Category: "shirking", Hits: 3, Calls: 2, Points: 30, Example: "管不了"}) {
		t.Errorf("rules: %+v", b.Rules)
	}
	if len(b.Agents) != 3 || b.Agents[0].Name != "2001" || b.Agents[1].Name != "1086" || b.Agents[1].Calls != 2 ||
		b.Agents[1].AvgScore != 80 || b.Agents[1].Passed != 1 || b.Agents[1].Hits != 2 || b.Agents[1].Banned != 2 {
		t.Errorf("agents: %+v", b.Agents)
	}
	if len(b.Teams) != 3 || b.Teams[2].Name != "(none)" {
		t.Errorf("teams (the failed call's unscored group last): %+v", b.Teams)
	}
	if len(b.FailedCalls) != 1 || b.FailedCalls[0].CallID != "bad" {
		t.Errorf("failed: %v", ids(b.FailedCalls))
	}
}

func ids(rows []sink.CallRow) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r.CallID)
	}
	return out
}

func TestPageName(t *testing.T) {
	seen := map[string]string{}
	for _, id := range []string{"20261121-0001", "a/b", "a_b", "../../etc/passwd", ".hidden", "坐席", "", strings.Repeat("x", 500)} {
		name := PageName(id)
		if strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") || !strings.HasSuffix(name, ".html") || len(name) > 90 {
			t.Errorf("PageName(%q) = %q", id, name)
		}
		if other, ok := seen[name]; ok {
			t.Errorf("%q and %q share the page %s", id, other, name)
		}
		seen[name] = id
	}
}

// Overtalk started by each party is told apart in the timeline's tooltips.
func TestOvertalkTooltips(t *testing.T) {
	x := &pipeline.Call{
		Source:     source.Call{ID: "o"},
		Transcript: &transcript.Transcript{Segments: []transcript.Segment{{Speaker: "agent", Start: 0, End: 20}}, Timed: true},
		Overtalk: &features.Overtalk{Episodes: []features.Episode{
			{Interval: timeline.Interval{Start: 1, End: 3}, StartedBy: features.Agent, Interruption: true},
			{Interval: timeline.Interval{Start: 5, End: 7}, StartedBy: features.Customer},
		}},
	}
	svg := string(timelineSVG(x, 5))
	if !strings.Contains(svg, "the agent interrupts 00:01.0–00:03.0 (2.0 s)") || !strings.Contains(svg, "overtalk started by the customer 00:05.0") {
		t.Errorf("tooltips:\n%s", svg)
	}
}

func ptr[T any](v T) *T { return &v }
