package lexcheck

import (
	"fmt"
	"strings"
)

// Reviewers' verdicts on a run's hits come back as a TSV file (exported
// from hits.parquet, see the README) with the columns call_id, rule_id,
// segment_index, speaker, context, text, verdict and family, and are read
// as labelled turns: a verdict file is corpus like any other.
const (
	verdictRight  = "right"  // the hit is forbidden phrasing of its family
	verdictWrong  = "wrong"  // the hit is no fault: the turn is fine
	verdictMissed = "missed" // a turn with no hit that is a fault of family
)

// fromVerdict turns a verdict into the turn's label: right is the family
// of the hit (the family column), wrong is none, missed is the family the
// reviewer names.
func (u *utterance) fromVerdict() error {
	if u.Verdict == "" {
		return nil
	}
	u.Verdict, u.Family = strings.ToLower(u.Verdict), strings.ToLower(u.Family)
	if u.Expect != "" {
		return fmt.Errorf("%s: both expect and verdict: a verdict row takes its label from verdict and family", u.Where)
	}
	switch u.Verdict {
	case verdictRight, verdictMissed:
		if u.Family == "" || u.Family == noneLabel {
			return fmt.Errorf("%s: verdict %s needs the family (a rule category) in the family column", u.Where, u.Verdict)
		}
		u.Expect = u.Family
	case verdictWrong:
		u.Expect = noneLabel
	default:
		return fmt.Errorf("%s: verdict %q: want right, wrong or missed", u.Where, u.Verdict)
	}
	if u.Verdict != verdictMissed && u.RuleID == "" {
		return fmt.Errorf("%s: verdict %s on no rule: name the hit's rule_id", u.Where, u.Verdict)
	}
	return nil
}

// tallyVerdict counts a reviewer's verdict against the rule it judged, and
// a missed turn against its family.
func (ev *Eval) tallyVerdict(u utterance) {
	switch u.Verdict {
	case verdictRight:
		s := scoreIndex(&ev.Reviewed)(u.RuleID)
		s.Hit++
		s.TP++
	case verdictWrong:
		s := scoreIndex(&ev.Reviewed)(u.RuleID)
		s.Hit++
		s.FP++
	case verdictMissed:
		scoreIndex(&ev.ReviewMissed)(u.Family).FN++
	}
}
