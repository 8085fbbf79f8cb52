package htmlview

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// Bar is one bar of a chart.
type Bar struct {
	Label string
	Value float64
	// Class colours the bar (CSS class), e.g. "fail" for bins below the
	// pass mark.
	Class string
}

// svgText escapes text for SVG inside HTML: every chart string goes
// through it, so transcript words and call ids stay text.
func svgText(s string) string { return html.EscapeString(s) }

// num formats a coordinate or value with at most two decimals, the same on
// every run.
func num(v float64) string { return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64) }

// niceMax rounds a chart's top up to 1, 2 or 5 times a power of ten.
func niceMax(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// columnChart draws bars side by side (a histogram) with their counts above
// and their labels below. id names the chart for tests and links.
func columnChart(id, title, unit string, bars []Bar) template.HTML {
	const (
		width       = 560.0
		left, right = 40.0, 8.0
		top         = 18.0
	)
	// Many bars: their labels slant, so that long ones do not collide.
	slant := len(bars) > 6
	bottomAxis := 44.0
	if slant {
		bottomAxis = 84
	}
	height := 176 + bottomAxis
	plotW, plotH := width-left-right, height-top-bottomAxis
	top_ := 0.0
	for _, b := range bars {
		top_ = max(top_, b.Value)
	}
	ymax := niceMax(top_)
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg class="chart" id="%s" viewBox="0 0 %s %s" role="img" aria-label="%s">`,
		svgText(id), num(width), num(height), svgText(title))
	fmt.Fprintf(&sb, `<title>%s</title>`, svgText(title))
	for _, g := range []float64{0, ymax / 2, ymax} {
		y := top + plotH - plotH*g/ymax
		fmt.Fprintf(&sb, `<line class="grid" x1="%s" x2="%s" y1="%s" y2="%s"/>`, num(left), num(width-right), num(y), num(y))
		fmt.Fprintf(&sb, `<text class="axis" x="%s" y="%s" text-anchor="end">%s</text>`, num(left-4), num(y+4), svgText(num(g)))
	}
	if len(bars) > 0 {
		slot := plotW / float64(len(bars))
		for i, b := range bars {
			h := plotH * b.Value / ymax
			x := left + float64(i)*slot + slot*0.1
			y := top + plotH - h
			fmt.Fprintf(&sb, `<g class="bar %s" data-label="%s" data-value="%s">`, svgText(b.Class), svgText(b.Label), num(b.Value))
			fmt.Fprintf(&sb, `<title>%s: %s %s</title>`, svgText(b.Label), num(b.Value), svgText(unit))
			fmt.Fprintf(&sb, `<rect x="%s" y="%s" width="%s" height="%s"/>`, num(x), num(y), num(slot*0.8), num(h))
			fmt.Fprintf(&sb, `<text class="count" x="%s" y="%s" text-anchor="middle">%s</text>`, num(x+slot*0.4), num(y-4), num(b.Value))
			lx, ly := num(x+slot*0.4), num(height-bottomAxis+16)
			if slant {
				fmt.Fprintf(&sb, `<text class="label" x="%s" y="%s" text-anchor="end" transform="rotate(-35 %s %s)">%s</text>`, lx, ly, lx, ly, svgText(b.Label))
			} else {
				fmt.Fprintf(&sb, `<text class="label" x="%s" y="%s" text-anchor="middle">%s</text>`, lx, ly, svgText(b.Label))
			}
			sb.WriteString(`</g>`)
		}
	}
	fmt.Fprintf(&sb, `<text class="axis" x="%s" y="%s" text-anchor="middle">%s</text>`, num(left+plotW/2), num(height-6), svgText(unit))
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String())
}

// meter is a small horizontal bar for a table cell: value out of full.
func meter(value, full float64) template.HTML {
	w := 0.0
	if full > 0 {
		w = 100 * value / full
	}
	return template.HTML(fmt.Sprintf(`<svg class="meter" viewBox="0 0 100 8" preserveAspectRatio="none" aria-hidden="true"><rect width="%s" height="8"/></svg>`, num(w)))
}

// Bin is a range of a histogram: values in [Lo, Hi).
type Bin struct {
	Label  string
	Lo, Hi float64
}

// histogram counts values into bins; a value past the last bin counts in it.
func histogram(values []float64, bins []Bin) []Bar {
	bars := make([]Bar, len(bins))
	for i, b := range bins {
		bars[i].Label = b.Label
	}
	for _, v := range values {
		for i, b := range bins {
			if v >= b.Lo && (v < b.Hi || i == len(bins)-1) {
				bars[i].Value++
				break
			}
		}
	}
	return bars
}
