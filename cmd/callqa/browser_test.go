//go:build e2e

// The pages as a reviewer sees them: opened from disk in headless Chromium
// (make e2e installs Debian's), clicked, zoomed and photographed.

package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browser starts headless Chromium and returns a tab.
func browser(t *testing.T) context.Context {
	t.Helper()
	exe := os.Getenv("CHROMIUM")
	if exe == "" {
		exe = "/usr/bin/chromium"
	}
	if _, err := os.Stat(exe); err != nil {
		t.Fatalf("no browser (make e2e installs Debian's chromium): %v", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox, // CI runs as root
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1300, 1000),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancelTab(); cancelAlloc() })
	return ctx
}

// get runs one action with a time limit and returns its value.
func get[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	done := make(chan struct{})
	var v T
	var err error
	go func() {
		defer close(done)
		v, err = chromedp.Run(ctx, a)
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("the browser did not answer within a minute")
	}
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// screenshot saves the whole page, or with viewOnly what the window shows
// (a whole-page shot lays the page out again and loses inner scrolling), as
// PNG to E2E_OUT (default out/e2e).
func screenshot(t *testing.T, ctx context.Context, name string, viewOnly bool) {
	t.Helper()
	dir := os.Getenv("E2E_OUT")
	if dir == "" {
		dir = filepath.Join("..", "..", "out", "e2e")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	shot := chromedp.FullScreenshot(100)
	if viewOnly {
		shot = chromedp.CaptureScreenshot()
	}
	if err := os.WriteFile(path, get(t, ctx, shot), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

func callqa(t *testing.T, args ...string) {
	t.Helper()
	if code := run(args, io.Discard, io.Discard); code != exitOK {
		t.Fatalf("callqa %s: exit %d", strings.Join(args, " "), code)
	}
}

// offline fails the test when the page loaded anything but itself.
func offline(t *testing.T, ctx context.Context) {
	t.Helper()
	for _, u := range get(t, ctx, chromedp.Evaluate[[]string](`performance.getEntriesByType("resource").map(e => e.name)`)) {
		t.Errorf("the page fetched %s: it must work offline", u)
	}
}

// cjkRendered fails the test when the page's Chinese renders as
// missing-glyph boxes (no CJK font installed: screenshots full of tofu). It
// draws characters in the transcript's own font stack on a canvas: real
// glyphs differ from each other, while every missing glyph is the same
// box (or nothing), like that of a private-use code point no font has.
func cjkRendered(t *testing.T, ctx context.Context) {
	t.Helper()
	got := get(t, ctx, chromedp.Evaluate[map[string]bool](`(() => {
		const el = document.querySelector("#transcript .text") || document.body;
		const font = "48px " + getComputedStyle(el).fontFamily;
		const ink = s => {
			const c = document.createElement("canvas"); c.width = 64; c.height = 64;
			const g = c.getContext("2d"); g.font = font; g.fillStyle = "#000"; g.fillText(s, 4, 52);
			return Array.from(g.getImageData(0, 0, 64, 64).data).join(",");
		};
		const zhong = ink("中"), wen = ink("文"), missing = ink("\uE000"), blank = ink("");
		return {inked: zhong !== blank, distinct: zhong !== wen, notMissing: zhong !== missing};
	})()`))
	if !got["inked"] || !got["distinct"] || !got["notMissing"] {
		t.Errorf("Chinese renders as missing glyphs (%v): no CJK font; make e2e installs fonts-noto-cjk", got)
	}
}

// labelsInside fails the test when a text of a chart or of the timeline's
// axis (those shown at the current zoom) pokes out of its SVG, cut off.
func labelsInside(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	out := get(t, ctx, chromedp.Evaluate[[]string](`(() => {
		const bad = [];
		for (const svg of document.querySelectorAll("svg.chart, svg#timeline")) {
			const box = svg.getBoundingClientRect();
			for (const text of svg.querySelectorAll("text")) {
				if (getComputedStyle(text).display === "none") { continue; }
				const r = text.getBoundingClientRect();
				if (r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5) {
					bad.push((svg.id || "timeline") + ": " + text.textContent);
				}
			}
		}
		return bad;
	})()`))
	for _, label := range out {
		t.Errorf("%s: label cut off: %s", what, label)
	}
}

func TestBrowserReportAndCallPages(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	callqa(t, "run", "../../testdata/calls", "--out", out)
	report := filepath.Join(out, "report.html")
	callqa(t, "report", out, "--html", report, "--calls", "8")

	ctx := browser(t)
	get(t, ctx, chromedp.Navigate("file://"+report))
	get(t, ctx, chromedp.WaitVisible("#kpis"))
	calls := get(t, ctx, chromedp.Text("#kpi-calls"))
	passRate := get(t, ctx, chromedp.Text("#kpi-pass-rate"))
	avg := get(t, ctx, chromedp.Text("#kpi-avg-score"))
	if calls != "8" || passRate != "75 %" || avg != "80.6" {
		t.Errorf("key figures: calls %q, pass rate %q, average score %q", calls, passRate, avg)
	}
	worstRows := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("#worst tbody tr").length`))
	scoreBars := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("#chart-score .bar").length`))
	scoreSum := get(t, ctx, chromedp.Evaluate[float64](`[...document.querySelectorAll("#chart-score .bar")].reduce((s, b) => s + Number(b.dataset.value), 0)`))
	chartWidth := get(t, ctx, chromedp.Evaluate[float64](`document.querySelector("#chart-score").getBoundingClientRect().width`))
	if worstRows != 8 || scoreBars != 10 || scoreSum != 8 || chartWidth < 200 {
		t.Errorf("worst calls %d rows, score chart %d bars summing to %g, %g px wide", worstRows, scoreBars, scoreSum, chartWidth)
	}
	worst := get(t, ctx, chromedp.Text("#worst tbody tr:first-child td:first-child"))
	if worst != "text-only" {
		t.Errorf("first call to review: %q, want the fatal text-only call", worst)
	}
	offline(t, ctx)
	labelsInside(t, ctx, "report")
	screenshot(t, ctx, "report.png", false)

	// Follow the link to the banned-phrase call. (WaitVisible never sees an
	// SVG element as visible in chromedp v0.23, so the timeline's size is
	// read with a script.)
	link := get(t, ctx, chromedp.Evaluate[string](`document.querySelector('#worst tr[data-call="banned-phrase"] a').href`))
	if !strings.HasSuffix(link, "/report-calls/banned-phrase-ae93e241.html") {
		t.Fatalf("link to the banned-phrase call: %q", link)
	}
	get(t, ctx, chromedp.Navigate(link))
	get(t, ctx, chromedp.WaitVisible("#summary"))
	score := get(t, ctx, chromedp.Text("#score"))
	verdict := get(t, ctx, chromedp.Text("#verdict"))
	markers := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("#timeline g.hit").length`))
	width := get(t, ctx, chromedp.Evaluate[float64](`document.querySelector("#timeline").getBoundingClientRect().width`))
	if score != "70" || verdict != "failed" || markers != 4 || width < 500 {
		t.Errorf("call page: score %q, verdict %q, %d hit markers, timeline %g px wide", score, verdict, markers, width)
	}
	offline(t, ctx)
	cjkRendered(t, ctx)
	labelsInside(t, ctx, "call page")

	// Clicking a marker explains the hit and marks its words in the transcript.
	get(t, ctx, chromedp.Click("#mark-1 circle"))
	detail := get(t, ctx, chromedp.Text("#hit-detail"))
	marked := get(t, ctx, chromedp.Text("mark.hit.selected"))
	rowSelected := get(t, ctx, chromedp.Evaluate[bool](`document.querySelector("#hit-1").classList.contains("selected")`))
	segSelected := get(t, ctx, chromedp.Evaluate[string](`document.querySelector("#transcript li.selected").id`))
	if !strings.Contains(detail, "banned.shirking") || !strings.Contains(detail, "00:09.6") || marked != "自己去营业厅问吧" || !rowSelected || segSelected != "seg-2" {
		t.Errorf("after clicking hit 1: detail %q, marked %q, row selected %v, utterance %q", detail, marked, rowSelected, segSelected)
	}
	// And a click on the words in the transcript selects their hit.
	get(t, ctx, chromedp.Click(`mark.hit[data-hit="2"]`))
	if sel := get(t, ctx, chromedp.Evaluate[string](`document.querySelector("#timeline g.hit.selected").id`)); sel != "mark-2" {
		t.Errorf("after clicking the words of hit 2, the selected marker is %q", sel)
	}
	screenshot(t, ctx, "call-banned-phrase.png", false)

	// Zooming widens the timeline, which then scrolls, and shows finer ticks.
	get(t, ctx, chromedp.Click("#zoom-in"))
	get(t, ctx, chromedp.Click("#zoom-in"))
	level := get(t, ctx, chromedp.Text("#zoom-level"))
	ratio := get(t, ctx, chromedp.Evaluate[float64](`document.querySelector("#timeline").getBoundingClientRect().width / document.querySelector("#tl-scroll").clientWidth`))
	minorShown := get(t, ctx, chromedp.Evaluate[bool](`getComputedStyle(document.querySelector("#timeline text.z4")).display !== "none"`))
	if level != "4×" || ratio < 3.9 || ratio > 4.1 || !minorShown {
		t.Errorf("zoomed: level %q, timeline %.2f× its frame, minor ticks shown %v", level, ratio, minorShown)
	}
	// The selected hit stays in view.
	inView := get(t, ctx, chromedp.Evaluate[bool](`(() => {
		const m = document.querySelector("#mark-2 circle").getBoundingClientRect(), f = document.querySelector("#tl-scroll").getBoundingClientRect();
		return m.left >= f.left && m.right <= f.right; })()`))
	if !inView {
		t.Error("zooming in lost the selected hit from view")
	}
	labelsInside(t, ctx, "call page zoomed 4×")
	screenshot(t, ctx, "call-banned-phrase-zoomed.png", true)
}
