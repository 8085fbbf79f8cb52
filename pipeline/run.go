package pipeline

import (
	"context"
	"fmt"
	"runtime"
	"slices"

	"golang.org/x/sync/errgroup"

	"github.com/callqa/callqa/pipeline/discover"
)

// Sink receives the results of a run in the order of the calls given, from
// one goroutine. An error from it stops the run.
type Sink func(Result) error

// Run processes calls on workers goroutines (0: one per CPU) and hands the
// results to sink in call order, so the output is the same whatever the
// scheduling. At most a few results per worker wait for a slower call
// ahead of them, so memory does not grow with the batch. Run stops early,
// returning the context's error, when ctx is cancelled.
func (e *Engine) Run(ctx context.Context, calls []discover.Call, workers int, sink Sink) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	g, ctx := errgroup.WithContext(ctx)
	jobs := make(chan job)
	// pending holds each dispatched call's result slot, in call order; its
	// capacity bounds how far the workers may run ahead of the writer: far
	// enough to measure the calls of the second or so jieba takes to load.
	pending := make(chan chan Result, max(4*workers, 64))
	if e.seg != nil && slices.ContainsFunc(calls, func(c discover.Call) bool { return c.TranscriptPath != "" }) {
		// Load the dictionary while the first calls are measured. A panic
		// there is raised again, and reported, where a call needs it.
		go func() {
			defer func() { _ = recover() }()
			e.seg()
		}()
	}

	g.Go(func() error {
		defer close(jobs)
		defer close(pending)
		for _, c := range calls {
			if err := ctx.Err(); err != nil {
				return err
			}
			j := job{call: c, out: make(chan Result, 1)}
			select {
			case pending <- j.out:
			case <-ctx.Done():
				return ctx.Err()
			}
			select {
			case jobs <- j:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	})
	for range workers {
		g.Go(func() error {
			e.work(jobs)
			return nil
		})
	}
	g.Go(func() error {
		for out := range pending {
			select {
			case r := <-out:
				if err := sink(r); err != nil {
					return err
				}
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	})
	return g.Wait()
}

// job is one call to process and the slot its result goes to.
type job struct {
	call discover.Call
	out  chan Result
}

// maxDeferred bounds the measured calls a worker holds while jieba loads.
const maxDeferred = 32

// work processes jobs until there are none. While the segmenter is still
// loading, a worker measures the next calls (audio, transcript reading) and
// keeps them; it checks them (rules, score) once the dictionary is there,
// or as soon as no job is waiting, so that the writer is never kept
// waiting on a call a worker holds.
func (e *Engine) work(jobs <-chan job) {
	type held struct {
		m   measured
		out chan Result
	}
	var deferred []held
	flush := func() {
		for _, d := range deferred {
			d.out <- e.checkSafely(d.m)
		}
		deferred = deferred[:0]
	}
	for {
		var j job
		var ok bool
		if len(deferred) > 0 && !e.segReady.Load() && len(deferred) < maxDeferred {
			select {
			case j, ok = <-jobs:
			default:
				flush()
				continue
			}
		} else {
			flush()
			j, ok = <-jobs
		}
		if !ok {
			flush()
			return
		}
		m := e.measureSafely(j.call)
		if m.needsText && !e.segReady.Load() {
			deferred = append(deferred, held{m, j.out})
			continue
		}
		j.out <- e.checkSafely(m)
	}
}

// measureSafely and checkSafely are the two halves of Process, with a panic
// (a bug in a stage, met on one odd input) turned into that call's error so
// that the batch goes on.
func (e *Engine) measureSafely(c discover.Call) (m measured) {
	defer func() {
		if p := recover(); p != nil {
			r := e.failed(c, fmt.Errorf("internal error (please report it): %v", p))
			m = measured{e: e, c: c, done: &r}
		}
	}()
	return e.measure(c)
}

func (e *Engine) checkSafely(m measured) (r Result) {
	defer func() {
		if p := recover(); p != nil {
			r = e.failed(m.c, fmt.Errorf("internal error (please report it): %v", p))
		}
	}()
	return m.check()
}
