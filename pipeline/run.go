package pipeline

import (
	"context"
	"fmt"
	"runtime"

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
	type job struct {
		call discover.Call
		out  chan Result
	}
	g, ctx := errgroup.WithContext(ctx)
	jobs := make(chan job)
	// pending holds each dispatched call's result slot, in call order; its
	// capacity bounds how far the workers may run ahead of the writer.
	pending := make(chan chan Result, 4*workers)

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
			for j := range jobs {
				j.out <- e.processSafely(j.call)
			}
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

// processSafely is Process, with a panic (a bug in a stage, met on one odd
// input) turned into that call's error so that the batch goes on.
func (e *Engine) processSafely(c discover.Call) (r Result) {
	defer func() {
		if p := recover(); p != nil {
			r = e.failed(c, fmt.Errorf("internal error (please report it): %v", p))
		}
	}()
	return e.Process(c)
}
