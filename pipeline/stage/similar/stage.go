package similar

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/callqa/callqa/lexicon"
	"github.com/callqa/callqa/pipeline/stage/rules"
	"github.com/callqa/callqa/pipeline/stage/transcript"
)

// Nearest examples a hit shows.
const shown = 3

// contextReach is how many of the speaker's own turns may stand between a
// turn and the customer's turn it answers (ASR cuts a reply in pieces).
const contextReach = 2

// Stage runs the model for the families a lexicon turns on, after the
// exact rules.
type Stage struct {
	model    *Model
	rules    map[string]*lexicon.Rule // similar rules by family
	speakers map[string]bool          // whose turns a rule judges
}

// NewStage pairs a model with the lexicon's similar rules; a rule for a
// family the model does not know is an error. Without similar rules the
// stage finds nothing.
func NewStage(m *Model, lex *lexicon.Lexicon) (*Stage, error) {
	s := &Stage{model: m, rules: map[string]*lexicon.Rule{}, speakers: map[string]bool{}}
	for i := range lex.Rules {
		r := &lex.Rules[i]
		if r.Kind != lexicon.KindSimilar {
			continue
		}
		if !slices.Contains(m.Classes[1:], r.Category) {
			return nil, fmt.Errorf("rule %q: the model knows no family %q (it knows %v)", r.ID, r.Category, m.Classes[1:])
		}
		if prev, dup := s.rules[r.Category]; dup {
			return nil, fmt.Errorf("rules %q and %q both turn on the model for %s", prev.ID, r.ID, r.Category)
		}
		s.rules[r.Category] = r
		s.speakers[r.Speaker] = true
	}
	return s, nil
}

// Model is the stage's model.
func (s *Stage) Model() *Model { return s.model }

// Hits judges each turn of a similar rule's speaker where the exact rules
// found no forbidden phrasing, with the customer's turn before it as
// context. A hit's Value is the score and its Evidence the context and the
// nearest labelled faults.
func (s *Stage) Hits(t *transcript.Transcript, found []rules.Hit) []rules.Hit {
	if len(s.rules) == 0 {
		return nil
	}
	flagged := map[int]bool{}
	for _, h := range found {
		if lexicon.Forbidden(h.Kind) {
			flagged[h.SegmentIndex] = true
		}
	}
	// Each turn is normalized once, though it is the context of the next.
	norms := make([]string, len(t.Segments))
	normOf := func(i int) string {
		if i < 0 {
			return ""
		}
		if norms[i] == "" {
			norms[i] = norm(t.Segments[i].Text)
		}
		return norms[i]
	}
	var hits []rules.Hit
	for i, seg := range t.Segments {
		if flagged[i] || !s.speakers[seg.Speaker] && !s.speakers[lexicon.SpeakerAny] {
			continue // only the turns a similar rule may flag are judged
		}
		c := context(t.Segments, i)
		ctx := ""
		if c >= 0 {
			ctx = t.Segments[c].Text
		}
		r, score := s.judge(turn{normOf(i), normOf(c), exclaimed(ctx)})
		if r == nil || (r.Speaker != lexicon.SpeakerAny && r.Speaker != seg.Speaker) {
			continue
		}
		family := r.Category
		h := rules.Hit{
			RuleID: r.ID, Kind: r.Kind, Category: r.Category, Severity: r.Severity,
			Speaker: seg.Speaker, Start: seg.Start, End: seg.End, Timed: t.Timed, SegmentIndex: i,
			Text: seg.Text, Matched: seg.Text, Value: round(score), HasValue: true,
		}
		if ctx != "" {
			h.Evidence = append(h.Evidence, transcript.Customer+": "+ctx)
		}
		for _, n := range s.model.Nearest(seg.Text, ctx, family, shown) {
			h.Evidence = append(h.Evidence, describe(n))
		}
		hits = append(hits, h)
	}
	return hits
}

// describe is a neighbour as a reviewer reads it.
func describe(n Neighbour) string {
	s := "like " + strconv.Quote(n.Text)
	if n.Context != "" {
		s += " after " + strconv.Quote(n.Context)
	}
	return fmt.Sprintf("%s (%s, %s, %.2f)", s, n.Label, n.Source, n.Similarity)
}

// context is the customer's turn that segment i answers (its index, -1
// for none): the last one before it, with at most contextReach of the
// speaker's turns between.
func context(segs []transcript.Segment, i int) int {
	speaker := segs[i].Speaker
	for j, own := i-1, 0; j >= 0; j-- {
		switch segs[j].Speaker {
		case transcript.Customer:
			if speaker == transcript.Customer {
				return -1
			}
			return j
		case speaker:
			if own++; own > contextReach {
				return -1
			}
		}
	}
	return -1
}

// judge returns the similar rule a turn hits and the score, or nil: the
// family the model finds likeliest, when the lexicon turns it on and the
// score reaches the rule's min_score or else the family's threshold.
func (s *Stage) judge(t turn) (*lexicon.Rule, float64) {
	family, score, hit := s.model.judge(t)
	r := s.rules[family]
	if r == nil {
		return nil, 0
	}
	if r.MinScore != nil {
		hit = score >= *r.MinScore
	}
	if !hit {
		return nil, 0
	}
	return r, score
}

// Finds reports whether the similar rule id flags text said with no
// context: how a similar rule's examples are checked. known is false when
// id is not one of the stage's rules.
func (s *Stage) Finds(id, text string) (found, known bool) {
	for _, r := range s.rules {
		if r.ID == id {
			hit, _ := s.judge(prepare(text, ""))
			return hit == r, true
		}
	}
	return false, false
}
