package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"

	"github.com/callqa/callqa/pipeline"
)

// progress shows a run advancing: a bar on a terminal, periodic log lines
// otherwise (a bar's carriage returns would litter a log file).
type progress interface {
	add(c *pipeline.Call)
	finish()
}

// tally is what the progress displays count.
type tally struct {
	total, done, failed int
	audioS              float64
	started             time.Time
}

func (t *tally) add(c *pipeline.Call) {
	t.done++
	if c.Failed() {
		t.failed++
	}
	if c.Recording != nil {
		t.audioS += c.Recording.Duration
	}
}

// eta extrapolates the rate so far.
func (t *tally) eta() time.Duration {
	if t.done == 0 {
		return 0
	}
	per := time.Since(t.started) / time.Duration(t.done)
	return (per * time.Duration(t.total-t.done)).Round(time.Second)
}

func newProgress(w io.Writer, total int, every time.Duration) progress {
	t := tally{total: total, started: time.Now()}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return newBar(f, t)
	}
	return &logLines{w: w, tally: t, every: every, last: time.Now()}
}

// logLines prints a line at most every interval, after a call finishes.
type logLines struct {
	w     io.Writer
	tally tally
	every time.Duration
	last  time.Time
}

func (l *logLines) add(c *pipeline.Call) {
	l.tally.add(c)
	if time.Since(l.last) < l.every || l.tally.done == l.tally.total {
		return
	}
	l.last = time.Now()
	t := &l.tally
	fmt.Fprintf(l.w, "callqa: progress: %d/%d calls (%.0f %%), %d failed, %.2f h of audio, eta %s\n",
		t.done, t.total, 100*float64(t.done)/float64(t.total), t.failed, t.audioS/3600, t.eta())
}

func (l *logLines) finish() {}

// bar is the terminal progress bar.
type bar struct {
	p     *mpb.Progress
	b     *mpb.Bar
	tally *tally
}

func newBar(w io.Writer, t tally) *bar {
	br := &bar{tally: &t}
	br.p = mpb.New(mpb.WithOutput(w), mpb.WithWidth(40))
	br.b = br.p.AddBar(int64(t.total),
		mpb.PrependDecorators(decor.Name("calls "), decor.CountersNoUnit("%d/%d")),
		mpb.AppendDecorators(
			decor.Any(func(decor.Statistics) string {
				return fmt.Sprintf(" %.2f h audio, %d failed", br.tally.audioS/3600, br.tally.failed)
			}),
			decor.Name(" eta "), decor.AverageETA(decor.ET_STYLE_GO),
		),
	)
	return br
}

func (b *bar) add(c *pipeline.Call) {
	b.tally.add(c)
	b.b.Increment()
}

func (b *bar) finish() {
	if !b.b.Completed() {
		b.b.Abort(false)
	}
	b.p.Wait()
}

// failureLimit is --max-failures: a count ("10") or a share ("5%").
type failureLimit struct {
	count   int
	percent float64 // when set, of the calls of the run
	set     bool
}

func parseFailureLimit(s string) (failureLimit, error) {
	if s == "" {
		return failureLimit{}, nil
	}
	if p, ok := strings.CutSuffix(s, "%"); ok {
		v, err := strconv.ParseFloat(p, 64)
		if err != nil || v < 0 || v > 100 {
			return failureLimit{}, fmt.Errorf("--max-failures %q: want a count or a percentage such as 5%%", s)
		}
		return failureLimit{percent: v, set: true}, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return failureLimit{}, fmt.Errorf("--max-failures %q: want a count or a percentage such as 5%%", s)
	}
	return failureLimit{count: n, set: true}, nil
}

// max is the number of failed calls allowed in a run of total calls.
func (l failureLimit) max(total int) int {
	if l.percent > 0 {
		return int(l.percent / 100 * float64(total))
	}
	return l.count
}
