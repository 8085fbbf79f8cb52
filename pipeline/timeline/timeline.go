// Package timeline holds spans of time and the set operations that the
// conversation metrics are built from.
package timeline

import (
	"cmp"
	"slices"
)

// Interval is a span of time in seconds from the start of the recording,
// Start <= End.
type Interval struct {
	Start, End float64
}

// Len is the interval's duration in seconds.
func (iv Interval) Len() float64 { return iv.End - iv.Start }

// Total is the summed duration of intervals that do not overlap.
func Total(ivs []Interval) float64 {
	var t float64
	for _, iv := range ivs {
		t += iv.Len()
	}
	return t
}

// Union merges any number of interval lists into sorted, disjoint intervals.
// Touching intervals are merged.
func Union(lists ...[]Interval) []Interval {
	var all []Interval
	for _, l := range lists {
		all = append(all, l...)
	}
	slices.SortFunc(all, func(a, b Interval) int { return cmp.Compare(a.Start, b.Start) })
	var out []Interval
	for _, iv := range all {
		if iv.End <= iv.Start {
			continue
		}
		if n := len(out); n > 0 && iv.Start <= out[n-1].End {
			out[n-1].End = max(out[n-1].End, iv.End)
			continue
		}
		out = append(out, iv)
	}
	return out
}

// Gaps returns the spaces between consecutive intervals of a sorted,
// disjoint list: the time from the first start to the last end not covered.
func Gaps(ivs []Interval) []Interval {
	var out []Interval
	for i := 1; i < len(ivs); i++ {
		if ivs[i].Start > ivs[i-1].End {
			out = append(out, Interval{ivs[i-1].End, ivs[i].Start})
		}
	}
	return out
}

// Overlap is a span where an interval of list a and one of list b overlap,
// with the indexes of the two intervals.
type Overlap struct {
	Interval
	A, B int
}

// Intersect returns every overlap between two sorted, disjoint lists.
func Intersect(a, b []Interval) []Overlap {
	var out []Overlap
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		start := max(a[i].Start, b[j].Start)
		end := min(a[i].End, b[j].End)
		if start < end {
			out = append(out, Overlap{Interval{start, end}, i, j})
		}
		if a[i].End < b[j].End {
			i++
		} else {
			j++
		}
	}
	return out
}
