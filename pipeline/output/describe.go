package output

import "fmt"

// Clock formats seconds from the start of a call as mm:ss.s.
func Clock(s float64) string {
	m := int(s) / 60
	return fmt.Sprintf("%02d:%04.1f", m, s-float64(m*60))
}

// When is the hit's span as mm:ss.s–mm:ss.s, or "untimed" for a
// transcript without times.
func (h HitRow) When() string {
	if h.StartS == nil || h.EndS == nil {
		return "untimed"
	}
	return Clock(*h.StartS) + "–" + Clock(*h.EndS)
}

// Evidence is what a hit shows of the call: the words, the measure, or
// what was missing.
func (h HitRow) Evidence() string {
	switch {
	case h.Matched != nil && h.Text != nil:
		return fmt.Sprintf("%q in %q", *h.Matched, *h.Text)
	case h.Value != nil:
		return fmt.Sprintf("measured %.2f", *h.Value)
	default:
		return "not said in the window"
	}
}
