package timeline

import (
	"slices"
	"testing"
)

func iv(s, e float64) Interval { return Interval{s, e} }

func TestUnion(t *testing.T) {
	got := Union([]Interval{iv(5, 6), iv(0, 1), iv(0.5, 2)}, []Interval{iv(2, 3), iv(7, 7), iv(5.5, 5.8)})
	want := []Interval{iv(0, 3), iv(5, 6)}
	if !slices.Equal(got, want) {
		t.Errorf("Union = %v, want %v", got, want)
	}
	if Total(got) != 4 {
		t.Errorf("Total = %v", Total(got))
	}
}

func TestGaps(t *testing.T) {
	got := Gaps([]Interval{iv(1, 2), iv(2, 3), iv(4, 5), iv(9, 10)})
	want := []Interval{iv(3, 4), iv(5, 9)}
	if !slices.Equal(got, want) {
		t.Errorf("Gaps = %v, want %v", got, want)
	}
	if Gaps(nil) != nil || Gaps([]Interval{iv(1, 2)}) != nil {
		t.Error("Gaps of fewer than two intervals is not empty")
	}
}

func TestIntersect(t *testing.T) {
	a := []Interval{iv(0, 4), iv(6, 10), iv(12, 13)}
	b := []Interval{iv(3, 7), iv(8, 9), iv(13, 14)}
	got := Intersect(a, b)
	want := []Overlap{{iv(3, 4), 0, 0}, {iv(6, 7), 1, 0}, {iv(8, 9), 1, 1}}
	if !slices.Equal(got, want) {
		t.Errorf("Intersect = %v, want %v", got, want)
	}
}
