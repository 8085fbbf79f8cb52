package pipeline

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/callqa/callqa/pipeline/source"
)

// Run processes calls on workers goroutines (0: one per CPU) and hands them
// to sink in the order given, from one goroutine, so the output is the same
// whatever the scheduling. At most a few calls per worker wait for a slower
// call ahead of them, so memory does not grow with the batch. An error from
// sink stops the run; so does cancelling ctx, and Run then returns the
// context's error.
func (e *Engine) Run(ctx context.Context, calls []source.Call, workers int, sink func(Call) error) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	// The segmenter loads once, before any worker starts, when a call
	// needs it: every worker then finds it ready. Its error (or panic),
	// if any, is each such call's error, raised again where Process
	// recovers it.
	if slices.ContainsFunc(calls, func(c source.Call) bool { return c.TranscriptPath != "" }) {
		func() {
			defer func() { _ = recover() }()
			_, _ = e.segmenter()
		}()
	}
	g, ctx := errgroup.WithContext(ctx)
	jobs := make(chan job)
	// pending holds each dispatched call's result slot, in call order; its
	// capacity bounds how far the workers may run ahead of the writer.
	pending := make(chan chan Call, 4*workers)

	g.Go(func() error {
		defer close(jobs)
		defer close(pending)
		for _, c := range calls {
			j := job{call: c, out: make(chan Call, 1)}
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
				j.out <- within(ctx, e.cfg.CallTimeout, e.found(j.call), func() Call { return e.Process(j.call) })
			}
			return nil
		})
	}
	g.Go(func() error {
		for out := range pending {
			select {
			case c := <-out:
				if err := deliver(sink, c); err != nil {
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

// within runs process, but gives up on it when it takes longer than
// timeout (0: no limit) or when ctx is cancelled: the call becomes an error
// and the worker moves on, so that one runaway call (a FIFO that never
// opens, a pathological transcript) neither stalls the batch nor keeps the
// run from stopping on SIGINT. The abandoned goroutine ends with the
// process.
func within(ctx context.Context, timeout time.Duration, found Call, process func() Call) Call {
	done := make(chan Call, 1)
	go func() { done <- process() }()
	var expired <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expired = t.C
	}
	select {
	case c := <-done:
		return c
	case <-expired:
		return found.failed(fmt.Errorf("stopped after %v, the per-call limit (--call-timeout)", timeout))
	case <-ctx.Done():
		return found.failed(ctx.Err())
	}
}

// deliver hands c to sink. A panic there (a bug met on one odd call)
// makes the call's row an error instead of crashing the run.
func deliver(sink func(Call) error, c Call) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = sink(c.failed(fmt.Errorf("internal error (please report it): %v", p)))
		}
	}()
	return sink(c)
}

// job is one call to process and the slot its result goes to.
type job struct {
	call source.Call
	out  chan Call
}
