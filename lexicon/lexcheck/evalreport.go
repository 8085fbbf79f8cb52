package lexcheck

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Gates are the least a lexicon must reach on the corpus; 0 turns a gate off.
type Gates struct {
	// Precision and Recall of finding forbidden phrasing in labelled turns.
	Precision, Recall float64
	// Verdicts: the share of labelled calls whose greeting, and whose
	// closing, is judged right.
	Verdicts float64
	// LOSOPrecision and LOSORecall are the same as Precision and Recall,
	// left one source out (see LeaveOneSourceOut); FamilyRecall is the
	// least recall of every family there (or, without it, on the corpus).
	LOSOPrecision, LOSORecall, FamilyRecall float64
}

// WriteText writes the evaluation as tables: families, rules, the verdicts
// on calls, then every miss and false alarm with its words.
func (ev *Eval) WriteText(w io.Writer, lexID string, maxListed int) error {
	fmt.Fprintf(w, "lexicon %s on %d turns (%d by agents) and %d calls\n\n", lexID, ev.Turns, ev.AgentTurns, ev.Calls)
	if ev.Turns > 0 {
		ev.writeFamilies(w)
		if l := ev.LOSO; l != nil {
			fmt.Fprintf(w, "leave one source out: each of the %d sources judged by the rules and a model trained without it\n", len(l.Sources))
			l.writeFamilies(w)
		}
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "rule\thits\tright family\twrong\tprecision\t")
		for _, s := range ev.Rules {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.3f\t\n", s.Name, s.Hit, s.TP, s.FP, s.Precision())
		}
		tw.Flush()
	}
	if len(ev.Reviewed)+len(ev.ReviewMissed) > 0 {
		fmt.Fprintln(w, "\nreviewers' verdicts on a run's hits")
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "rule\treviewed\tright\twrong\tprecision\t")
		for _, s := range ev.Reviewed {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.3f\t\n", s.Name, s.Hit, s.TP, s.FP, s.Precision())
		}
		for _, s := range ev.ReviewMissed {
			fmt.Fprintf(tw, "missed %s\t%d\t\t\t\t\n", s.Name, s.FN)
		}
		tw.Flush()
	}
	if ev.Calls > 0 {
		fmt.Fprintln(w)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "calls\tproper, found proper\tproper, found missing\tmissing, found proper\tmissing, found missing\tright\t")
		for _, v := range []Verdicts{ev.Greeting, ev.Closing} {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%.3f\t\n", v.Name, v.OKOK, v.OKNot, v.NotOK, v.NotNot, v.Right())
		}
		tw.Flush()
		if len(ev.CallFamilies) > 0 {
			fmt.Fprintln(w)
			tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintln(tw, "family in calls\tlabelled\tfound\tmissed\tfalse\tprecision\trecall\t")
			for _, s := range ev.CallFamilies {
				fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%.3f\t%.3f\t\n", s.Name, s.Labelled, s.Hit, s.FN, s.FP, s.Precision(), s.Recall())
			}
			tw.Flush()
		}
		for _, v := range []Verdicts{ev.Greeting, ev.Closing} {
			for _, wrong := range v.Wrong {
				fmt.Fprintf(w, "%s: %s\n", v.Name, wrong)
			}
		}
	}
	list := func(title string, ms []Mistake) {
		if len(ms) == 0 {
			return
		}
		fmt.Fprintf(w, "\n%s (%d)\n", title, len(ms))
		for i, m := range ms {
			if maxListed >= 0 && i == maxListed {
				fmt.Fprintf(w, "  ... and %d more (--list -1 shows all)\n", len(ms)-i)
				break
			}
			found := "nothing"
			if len(m.Found) > 0 {
				found = strings.Join(m.Found, "; ")
			}
			fmt.Fprintf(w, "  %s  %s %q  labelled %s, found %s\n", m.Where, m.Speaker, m.Text, m.Expect, found)
		}
	}
	list("misses", ev.Misses)
	list("false alarms", ev.FalseAlarms)
	if ev.LOSO != nil {
		list("misses, left one source out", ev.LOSO.Misses)
		list("false alarms, left one source out", ev.LOSO.FalseAlarms)
	}
	return nil
}

// writeFamilies writes precision and recall per family, over all, per
// source when there are several, and the false alarms.
func (ev *Eval) writeFamilies(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "family\tlabelled\tfound\tright\tmissed\tfalse\tprecision\trecall\tF1\t")
	row := func(s Score) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%.3f\t%.3f\t%.3f\t\n", s.Name, s.Labelled, s.Hit, s.TP, s.FN, s.FP, s.Precision(), s.Recall(), s.F1())
	}
	for _, s := range append(ev.Families, ev.Banned) {
		row(s)
	}
	if len(ev.Sources) > 1 {
		fmt.Fprintln(tw, "source\t\t\t\t\t\t\t\t\t")
		for _, s := range ev.Sources {
			row(s)
		}
	}
	tw.Flush()
	fmt.Fprintf(w, "false alarms: %d clean agent turns flagged, %.1f per 1,000 agent turns\n\n", ev.FalseAlarmTurns, ev.FalseAlarmsPer1000())
}

// Cases are the evaluation as checks, for JUnit: the gates, and one case
// per labelled turn that was missed or flagged wrongly.
func (ev *Eval) Cases(g Gates) []Case {
	gate := func(name string, got, min float64) Case {
		c := Case{Suite: "eval gates", Name: name}
		if got < min {
			c.Failure = fmt.Sprintf("%s %.3f, below the gate %.3f", name, got, min)
		}
		return c
	}
	var cases []Case
	if ev.Turns > 0 {
		cases = append(cases,
			gate("precision", ev.Banned.Precision(), g.Precision),
			gate("recall", ev.Banned.Recall(), g.Recall))
	}
	figures := ev
	if ev.LOSO != nil {
		cases = append(cases,
			gate("leave-one-source-out precision", ev.LOSO.Banned.Precision(), g.LOSOPrecision),
			gate("leave-one-source-out recall", ev.LOSO.Banned.Recall(), g.LOSORecall))
		figures = ev.LOSO
	} else if g.LOSOPrecision > 0 || g.LOSORecall > 0 {
		cases = append(cases, Case{Suite: "eval gates", Name: "leave one source out",
			Failure: "leave one source out was not measured: it needs turns from two or more sources and a lexicon with similar rules"})
	}
	if g.FamilyRecall > 0 {
		for _, f := range figures.Families {
			if f.Labelled > 0 {
				cases = append(cases, gate("recall of "+f.Name, f.Recall(), g.FamilyRecall))
			}
		}
	}
	if ev.Calls > 0 {
		cases = append(cases,
			gate("greeting verdicts right", ev.Greeting.Right(), g.Verdicts),
			gate("closing verdicts right", ev.Closing.Right(), g.Verdicts))
	}
	for _, m := range ev.Misses {
		cases = append(cases, Case{Suite: "eval misses", Name: m.Where,
			Failure: fmt.Sprintf("%q: labelled %s, found %s", m.Text, m.Expect, strings.Join(m.Found, "; "))})
	}
	for _, m := range ev.FalseAlarms {
		cases = append(cases, Case{Suite: "eval false alarms", Name: m.Where,
			Failure: fmt.Sprintf("%q: labelled %s, found %s", m.Text, m.Expect, strings.Join(m.Found, "; "))})
	}
	return cases
}
