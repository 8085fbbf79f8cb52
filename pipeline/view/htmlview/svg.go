package htmlview

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
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
// and their labels below, then a legend of the bar colours it used (keys
// maps a bar's Class to what it means; "" is the plain bar). id names the
// chart for tests and links. Margins grow with the labels, so that no
// label is cut off at the chart's edges.
func columnChart(id, title, unit string, bars []Bar, keys map[string]string) template.HTML {
	const (
		width  = 560.0
		right  = 8.0
		top    = 18.0
		fontPx = 11.0
		slope  = 35.0 // degrees of a slanted label
	)
	top_ := 0.0
	for _, b := range bars {
		top_ = max(top_, b.Value)
	}
	ymax := niceMax(top_)
	labels := make([]string, len(bars))
	widest := 0.0
	for i, b := range bars {
		labels[i] = shorten(b.Label, 24)
		widest = max(widest, textWidth(labels[i], fontPx))
	}
	// The axis's numbers stand left of the plot; the widest is the top one.
	left := max(40, textWidth(num(ymax), fontPx)+8)
	slotW := func() float64 { return (width - left - right) / float64(max(1, len(bars))) }
	// Upright labels fit under their bars. Many bars, or labels wider than
	// a bar: the labels slant, so that they do not collide, and the plot
	// moves right until the first ones (which reach furthest left) fit.
	slant := len(bars) > 6 || widest > 0.9*slotW()
	cos, sin := math.Cos(slope*math.Pi/180), math.Sin(slope*math.Pi/180)
	if slant {
		for range 3 { // moving right narrows the bars: settle in a few steps
			need := 0.0
			for i, l := range labels {
				need = max(need, textWidth(l, fontPx)*cos+2-(left+(float64(i)+0.5)*slotW()))
			}
			left += need
		}
	}
	bottomAxis := 44.0
	if slant {
		bottomAxis = max(84, 16+widest*sin+fontPx+22)
	}
	height := 176 + bottomAxis
	plotW, plotH := width-left-right, height-top-bottomAxis
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg class="chart" id="%s" viewBox="0 0 %s %s" role="img" aria-label="%s">`,
		svgText(id), num(width), num(height), svgText(title))
	fmt.Fprintf(&sb, `<title>%s</title>`, svgText(title))
	for _, g := range []float64{0, ymax / 2, ymax} {
		y := top + plotH - plotH*g/ymax
		fmt.Fprintf(&sb, `<line class="grid" x1="%s" x2="%s" y1="%s" y2="%s"/>`, num(left), num(width-right), num(y), num(y))
		fmt.Fprintf(&sb, `<text class="axis" x="%s" y="%s" text-anchor="end">%s</text>`, num(left-4), num(y+4), svgText(num(g)))
	}
	var used []string // the bar classes, in order of first use
	if len(bars) > 0 {
		slot := plotW / float64(len(bars))
		for i, b := range bars {
			if !slices.Contains(used, b.Class) {
				used = append(used, b.Class)
			}
			h := plotH * b.Value / ymax
			x := left + float64(i)*slot + slot*0.1
			y := top + plotH - h
			fmt.Fprintf(&sb, `<g class="bar %s" data-label="%s" data-value="%s">`, svgText(b.Class), svgText(b.Label), num(b.Value))
			fmt.Fprintf(&sb, `<title>%s: %s %s</title>`, svgText(b.Label), num(b.Value), svgText(unit))
			fmt.Fprintf(&sb, `<rect x="%s" y="%s" width="%s" height="%s"/>`, num(x), num(y), num(slot*0.8), num(h))
			fmt.Fprintf(&sb, `<text class="count" x="%s" y="%s" text-anchor="middle">%s</text>`, num(x+slot*0.4), num(y-4), num(b.Value))
			lx, ly := num(x+slot*0.4), num(height-bottomAxis+16)
			if slant {
				fmt.Fprintf(&sb, `<text class="label" x="%s" y="%s" text-anchor="end" transform="rotate(-%s %s %s)">%s</text>`, lx, ly, num(slope), lx, ly, svgText(labels[i]))
			} else {
				fmt.Fprintf(&sb, `<text class="label" x="%s" y="%s" text-anchor="middle">%s</text>`, lx, ly, svgText(labels[i]))
			}
			sb.WriteString(`</g>`)
		}
	}
	fmt.Fprintf(&sb, `<text class="axis" x="%s" y="%s" text-anchor="middle">%s</text>`, num(left+plotW/2), num(height-6), svgText(unit))
	sb.WriteString(`</svg>`)
	fmt.Fprintf(&sb, `<p class="legend chart-legend" data-chart="%s">`, svgText(id))
	for _, class := range used {
		fmt.Fprintf(&sb, `<span data-class="%s"><i class="swatch %s"></i>%s</span>`, svgText(class), svgText(class), svgText(keys[class]))
	}
	sb.WriteString(`</p>`)
	return template.HTML(sb.String())
}

// textWidth is about how wide text is at size px in a sans-serif font:
// a Chinese character is square, a Latin letter or digit about 0.6 of it.
func textWidth(s string, px float64) float64 {
	w := 0.0
	for _, r := range s {
		wide := unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) ||
			r >= 0x3000 && r <= 0x303F || r >= 0xFF00 && r <= 0xFFEF // CJK punctuation, full-width forms
		if wide {
			w += px
		} else {
			w += 0.6 * px
		}
	}
	return w
}

// shorten cuts a label to n characters, marking the cut: the full label
// stays in the bar's tooltip.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
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
