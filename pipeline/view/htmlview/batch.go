package htmlview

import (
	"cmp"
	"fmt"
	"html/template"
	"io"
	"maps"
	"slices"

	"github.com/callqa/callqa/pipeline/sink"
	"github.com/callqa/callqa/pipeline/view"
)

// BatchOptions are what the batch page needs beyond the rows.
type BatchOptions struct {
	// Source is the output folder the rows were read from.
	Source string
	// PassMark draws the line between passed and failed scores.
	PassMark float64
	// Links maps a call id to its page (relative to the batch page); a
	// worst call without one is listed without a link.
	Links map[string]string
	// Notes are shown at the top (calls whose page could not be made).
	Notes []string
}

// Batch is a night's run summed up: what the batch page shows.
type Batch struct {
	Calls, Processed, Failed, Scored, Passed int
	// Judged are the scored calls with a verdict: pass rates leave out
	// the NeedsReview calls, as avg(passed::INT) over calls.parquet does.
	Judged, NeedsReview int
	AvgScore            float64
	AudioHours          float64
	Hits                int
	LexiconVersions     []string
	Rules               []RuleStat
	Categories          []CategoryStat
	Agents, Teams       []GroupStat
	// Worst are the calls to review first, each to get its page: the
	// scored ones by lowest score, then most forbidden phrases, then
	// longest silence (the order of the README's "calls to listen to first"
	// query); after them the calls that have no score because they have no
	// transcript (a recording alone), most dead air first. Up to the
	// number asked of each, so a night of bad scores does not hide them.
	Worst       []sink.CallRow
	FailedCalls []sink.CallRow
	// Warnings are the batch's warnings by kind, with the calls behind
	// each: damage worked around is still worth a look.
	Warnings []view.WarningKind

	scores, longestSilences, deadAirCounts, overtalks []float64
}

// RuleStat is one rule across the batch.
type RuleStat struct {
	RuleID, Kind, Category, Severity string
	Hits, Calls                      int
	Points                           float64
	Example                          string
}

// CategoryStat is one category across the batch.
type CategoryStat struct {
	Category string
	Hits     int
	Points   float64
}

// GroupStat sums up the calls of one agent or team.
type GroupStat struct {
	// Team is an agent's team ("—" without one; empty for a team).
	Name, Team             string
	Calls, Failed          int
	Scored, Judged, Passed int
	AvgScore               float64
	Hits, Banned, DeadAir  int
	OvertalkS              float64
	InterruptionsByAgent   int
	scoreSum               float64
}

// Summarize sums up a run's rows; worst is how many calls to list for review.
func Summarize(calls []sink.CallRow, hits []sink.HitRow, worst int) Batch {
	var b Batch
	b.Calls, b.Hits = len(calls), len(hits)
	versions := map[string]bool{}
	agents, teams := map[string]*GroupStat{}, map[string]*GroupStat{}
	hitsOf := map[string]int{}
	for _, h := range hits {
		hitsOf[h.CallID]++
	}
	var scoreSum float64
	var unscored []sink.CallRow
	ids, warnings := make([]string, len(calls)), make([][]string, len(calls))
	for i, c := range calls {
		ids[i], warnings[i] = c.CallID, c.Warnings
		versions[c.LexiconVersion] = true
		agent, team := "(none)", "(none)"
		if c.AgentID != nil {
			agent = *c.AgentID
		}
		if c.Team != nil {
			team = *c.Team
		}
		group(agents, agent, c, hitsOf[c.CallID]).Team = orDash(c.Team)
		group(teams, team, c, hitsOf[c.CallID])
		if c.Error != nil {
			b.Failed++
			b.FailedCalls = append(b.FailedCalls, c)
			continue
		}
		b.Processed++
		if c.NeedsReview {
			b.NeedsReview++
		}
		b.AudioHours += deref(c.DurationS) / 3600
		if c.LongestSilenceS != nil {
			b.longestSilences = append(b.longestSilences, *c.LongestSilenceS)
			b.deadAirCounts = append(b.deadAirCounts, float64(deref(c.DeadAirCount)))
		}
		if c.OvertalkS != nil {
			b.overtalks = append(b.overtalks, *c.OvertalkS)
		}
		if c.Score != nil {
			b.Scored++
			scoreSum += *c.Score
			b.scores = append(b.scores, *c.Score)
			if c.Passed != nil {
				b.Judged++
			}
			if deref(c.Passed) {
				b.Passed++
			}
			b.Worst = append(b.Worst, c)
		} else {
			unscored = append(unscored, c)
		}
	}
	if b.Scored > 0 {
		b.AvgScore = scoreSum / float64(b.Scored)
	}
	b.Warnings = view.WarningKinds(ids, warnings)
	b.LexiconVersions = slices.Sorted(maps.Keys(versions))
	b.Agents, b.Teams = groups(agents), groups(teams)

	slices.SortStableFunc(b.Worst, func(x, y sink.CallRow) int {
		return cmp.Or(cmp.Compare(*x.Score, *y.Score),
			cmp.Compare(deref(y.BannedCount), deref(x.BannedCount)),
			cmp.Compare(deref(y.LongestSilenceS), deref(x.LongestSilenceS)),
			cmp.Compare(x.CallID, y.CallID))
	})
	b.Worst = b.Worst[:min(worst, len(b.Worst))]
	slices.SortStableFunc(unscored, func(x, y sink.CallRow) int {
		return cmp.Or(cmp.Compare(deref(y.DeadAirCount), deref(x.DeadAirCount)),
			cmp.Compare(deref(y.LongestSilenceS), deref(x.LongestSilenceS)),
			cmp.Compare(x.CallID, y.CallID))
	})
	b.Worst = append(b.Worst, unscored[:min(worst, len(unscored))]...)

	rules, cats := map[string]*RuleStat{}, map[string]*CategoryStat{}
	callsOf := map[string]map[string]bool{}
	for _, h := range hits {
		r := rules[h.RuleID]
		if r == nil {
			r = &RuleStat{RuleID: h.RuleID, Kind: h.Kind, Category: h.Category, Severity: h.Severity}
			rules[h.RuleID] = r
			callsOf[h.RuleID] = map[string]bool{}
		}
		r.Hits++
		r.Points += h.Penalty
		callsOf[h.RuleID][h.CallID] = true
		if r.Example == "" && h.Matched != nil {
			r.Example = *h.Matched
		}
		c := cats[h.Category]
		if c == nil {
			c = &CategoryStat{Category: h.Category}
			cats[h.Category] = c
		}
		c.Hits++
		c.Points += h.Penalty
	}
	for id, r := range rules {
		r.Calls = len(callsOf[id])
		b.Rules = append(b.Rules, *r)
	}
	slices.SortFunc(b.Rules, func(x, y RuleStat) int {
		return cmp.Or(cmp.Compare(y.Hits, x.Hits), cmp.Compare(y.Points, x.Points), cmp.Compare(x.RuleID, y.RuleID))
	})
	for _, c := range cats {
		b.Categories = append(b.Categories, *c)
	}
	slices.SortFunc(b.Categories, func(x, y CategoryStat) int {
		return cmp.Or(cmp.Compare(y.Hits, x.Hits), cmp.Compare(x.Category, y.Category))
	})
	return b
}

func group(m map[string]*GroupStat, name string, c sink.CallRow, hits int) *GroupStat {
	g := m[name]
	if g == nil {
		g = &GroupStat{Name: name}
		m[name] = g
	}
	g.Calls++
	if c.Error != nil {
		g.Failed++
	}
	g.Hits += hits
	g.Banned += int(deref(c.BannedCount))
	g.DeadAir += int(deref(c.DeadAirCount))
	g.OvertalkS += deref(c.OvertalkS)
	g.InterruptionsByAgent += int(deref(c.InterruptionsByAgent))
	if c.Score != nil {
		g.Scored++
		g.scoreSum += *c.Score
		if c.Passed != nil {
			g.Judged++
		}
		if deref(c.Passed) {
			g.Passed++
		}
	}
	return g
}

// groups lists agents or teams, lowest average score first: who needs
// coaching comes first.
func groups(m map[string]*GroupStat) []GroupStat {
	out := make([]GroupStat, 0, len(m))
	for _, g := range m {
		if g.Scored > 0 {
			g.AvgScore = g.scoreSum / float64(g.Scored)
		}
		out = append(out, *g)
	}
	slices.SortFunc(out, func(x, y GroupStat) int {
		return cmp.Or(cmp.Compare(boolOrder(x.Scored == 0), boolOrder(y.Scored == 0)) /* unscored last */, cmp.Compare(x.AvgScore, y.AvgScore), cmp.Compare(x.Name, y.Name))
	})
	return out
}

func boolOrder(b bool) int {
	if b {
		return 1
	}
	return 0
}

// The bins of the batch page's histograms.
var (
	scoreBins = []Bin{
		{"0–9", 0, 10}, {"10–19", 10, 20}, {"20–29", 20, 30}, {"30–39", 30, 40}, {"40–49", 40, 50},
		{"50–59", 50, 60}, {"60–69", 60, 70}, {"70–79", 70, 80}, {"80–89", 80, 90}, {"90–100", 90, 101},
	}
	silenceBins  = []Bin{{"<2", 0, 2}, {"2–5", 2, 5}, {"5–10", 5, 10}, {"10–20", 10, 20}, {"20–30", 20, 30}, {"≥30", 30, 1e18}}
	deadAirBins  = []Bin{{"0", 0, 1}, {"1", 1, 2}, {"2", 2, 3}, {"3–4", 3, 5}, {"5–9", 5, 10}, {"≥10", 10, 1e18}}
	overtalkBins = []Bin{{"0", 0, 1e-9}, {"<2", 1e-9, 2}, {"2–5", 2, 5}, {"5–10", 5, 10}, {"10–20", 10, 20}, {"≥20", 20, 1e18}}
)

type batchPage struct {
	Batch
	BatchOptions
	PassRate                               string
	ScoreChart, SilenceChart, DeadAirChart template.HTML
	OvertalkChart, CategoryChart           template.HTML
	RuleMeters                             []template.HTML
	// WorstScored and Unscored split Worst for its two tables.
	WorstScored, Unscored []sink.CallRow
	HasAgents             bool
	WarningRows           []warningRow
}

// warningRow is one kind of warning in the page's table, naming at most
// maxNamedCalls of its calls.
type warningRow struct {
	Kind        string
	Calls, More int
	Shown       []string
}

const maxNamedCalls = 50

// WriteBatch writes the batch page.
func WriteBatch(w io.Writer, b Batch, opts BatchOptions) error {
	p := batchPage{Batch: b, BatchOptions: opts}
	scores := histogram(b.scores, scoreBins)
	for i := range scores {
		if scoreBins[i].Hi <= opts.PassMark {
			scores[i].Class = "fail"
		}
	}
	p.ScoreChart = columnChart("chart-score", "Scores of the scored calls", "score", scores,
		map[string]string{"": "at or above the pass mark (" + num(opts.PassMark) + ")", "fail": "below the pass mark"})
	silences := histogram(b.longestSilences, silenceBins)
	deadAir := histogram(b.deadAirCounts, deadAirBins)
	overtalk := histogram(b.overtalks, overtalkBins)
	for _, bars := range [][]Bar{silences[2:], deadAir[1:], overtalk[2:]} {
		for i := range bars {
			bars[i].Class = "warn"
		}
	}
	p.SilenceChart = columnChart("chart-longest-silence", "Longest silence per call", "longest silence, s", silences,
		map[string]string{"": "longest silence under 5 s", "warn": "a silence of 5 s or more: worth a listen"})
	p.DeadAirChart = columnChart("chart-dead-air", "Dead-air episodes per call", "dead-air episodes", deadAir,
		map[string]string{"": "calls without dead air", "warn": "calls with dead air"})
	p.OvertalkChart = columnChart("chart-overtalk", "Overtalk per call", "overtalk, s", overtalk,
		map[string]string{"": "calls with under 2 s of overtalk", "warn": "calls with 2 s of overtalk or more"})
	var cats []Bar
	for _, c := range b.Categories {
		cats = append(cats, Bar{Label: c.Category, Value: float64(c.Hits)})
	}
	p.CategoryChart = columnChart("chart-categories", "Hits per category", "hits", cats, map[string]string{"": "hits in the category"})
	top := 0
	for _, r := range b.Rules {
		top = max(top, r.Hits)
	}
	for _, r := range b.Rules {
		p.RuleMeters = append(p.RuleMeters, meter(float64(r.Hits), float64(top)))
	}
	for _, c := range b.Worst {
		if c.Score != nil {
			p.WorstScored = append(p.WorstScored, c)
		} else {
			p.Unscored = append(p.Unscored, c)
		}
	}
	for _, k := range b.Warnings {
		shown := k.Calls[:min(len(k.Calls), maxNamedCalls)]
		p.WarningRows = append(p.WarningRows, warningRow{Kind: k.Kind, Calls: len(k.Calls), More: len(k.Calls) - len(shown), Shown: shown})
	}
	p.PassRate = "—"
	if b.Judged > 0 {
		p.PassRate = num(100*float64(b.Passed)/float64(b.Judged)) + " %"
	}
	p.HasAgents = len(b.Agents) > 1 || (len(b.Agents) == 1 && b.Agents[0].Name != "(none)")
	return pages.ExecuteTemplate(w, "batch.html", p)
}

func orDash[T any](p *T) string {
	if p == nil {
		return "—"
	}
	return fmt.Sprint(*p)
}
