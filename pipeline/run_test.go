package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callqa/callqa/internal/samplegen"
	"github.com/callqa/callqa/lexicon"
	"github.com/callqa/callqa/pipeline/source"
)

// defaultEngine is shared by the tests: building jieba takes a second, and
// an Engine is safe for concurrent use.
var defaultEngine = sync.OnceValues(func() (*Engine, error) {
	lex, err := lexicon.Default()
	if err != nil {
		return nil, err
	}
	return New(Config{Lexicon: lex})
})

// newEngine returns a copy of the shared engine, which a test may change.
func newEngine(t *testing.T) *Engine {
	t.Helper()
	e, err := defaultEngine()
	if err != nil {
		t.Fatal(err)
	}
	c := *e
	return &c
}

// sampleCalls writes the generated samples, repeated, as calls.
func sampleCalls(t *testing.T, copies int) []source.Call {
	t.Helper()
	dir := t.TempDir()
	var calls []source.Call
	for i := range copies {
		for _, s := range samplegen.Calls() {
			c := source.Call{ID: fmt.Sprintf("%s-%02d", s.Name, i)}
			c.TranscriptPath = filepath.Join(dir, c.ID+".json")
			if err := os.WriteFile(c.TranscriptPath, s.TranscriptJSON(), 0o644); err != nil {
				t.Fatal(err)
			}
			if !s.NoAudio && i == 0 {
				c.AudioPath = filepath.Join(dir, c.ID+".wav")
				if err := os.WriteFile(c.AudioPath, s.WAV(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			calls = append(calls, c)
		}
	}
	return calls
}

func collect(t *testing.T, e *Engine, calls []source.Call, workers int) []Call {
	t.Helper()
	var out []Call
	err := e.Run(context.Background(), calls, workers, func(r Call) error {
		out = append(out, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRunOrderIndependentOfWorkers: many workers give exactly the results of
// one, in call order.
func TestRunOrderIndependentOfWorkers(t *testing.T) {
	e := newEngine(t)
	calls := sampleCalls(t, 4)
	one := collect(t, e, calls, 1)
	many := collect(t, e, calls, 5)
	if len(one) != len(calls) {
		t.Fatalf("%d results for %d calls", len(one), len(calls))
	}
	for i := range calls {
		if one[i].Source.ID != calls[i].ID {
			t.Fatalf("result %d is %s, want %s", i, one[i].Source.ID, calls[i].ID)
		}
		if !reflect.DeepEqual(one[i], many[i]) {
			t.Errorf("call %s differs between 1 and 5 workers", calls[i].ID)
		}
	}
}

func TestRunStopsOnSinkError(t *testing.T) {
	e := newEngine(t)
	calls := sampleCalls(t, 3)
	boom := errors.New("disk full")
	n := 0
	err := e.Run(context.Background(), calls, 2, func(Call) error {
		n++
		if n == 2 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) || n != 2 {
		t.Errorf("Run = %v after %d results", err, n)
	}
}

func TestRunCancelled(t *testing.T) {
	e := newEngine(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := e.Run(ctx, sampleCalls(t, 2), 2, func(Call) error { return nil })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v, want context.Canceled", err)
	}
}

func TestProcessDuplicateCarriesError(t *testing.T) {
	e := newEngine(t)
	r := e.Process(source.Call{ID: "x", AudioPath: "x.wav", Err: errors.New("duplicate call id")})
	if !r.Failed() || r.Err.Error() != "duplicate call id" || r.Scored() || r.Source.AudioPath != "x.wav" {
		t.Errorf("call %+v", r)
	}
}

// TestPanicBecomesCallError: a stage that panics on one call fails that call
// only.
func TestPanicBecomesCallError(t *testing.T) {
	broken := newEngine(t)
	broken.matcher = nil // the rules stage panics
	calls := sampleCalls(t, 1)
	var got []Call
	err := broken.Run(context.Background(), calls[len(calls)-1:], 1, func(r Call) error {
		got = append(got, r)
		return nil
	})
	if err != nil || len(got) != 1 || !got[0].Failed() || !strings.Contains(got[0].Err.Error(), "internal error") {
		t.Fatalf("Run = %v, results %+v", err, got)
	}
}

// TestSinkPanicBecomesCallError: a sink that panics on one call's data gets
// that call again as an error, and the run goes on.
func TestSinkPanicBecomesCallError(t *testing.T) {
	e := newEngine(t)
	calls := sampleCalls(t, 1)
	var got []Call
	err := e.Run(context.Background(), calls, 2, func(c Call) error {
		if c.Source.ID == calls[0].ID && c.Err == nil {
			panic("odd value")
		}
		got = append(got, c)
		return nil
	})
	if err != nil || len(got) != len(calls) || !strings.Contains(got[0].Err.Error(), "odd value") || got[1].Failed() {
		t.Fatalf("Run = %v, %d calls, first %v", err, len(got), got[0].Err)
	}
}

// TestRunawayCall: a call that never finishes becomes an error row after
// the per-call limit, the other calls go on, and cancelling the run ends it
// at once even while a call hangs.
func TestRunawayCall(t *testing.T) {
	e := newEngine(t)
	found := e.found(source.Call{ID: "stuck"})
	hang := make(chan struct{})
	defer close(hang)
	stuck := func() Call { <-hang; return Call{} }
	c := within(context.Background(), 50*time.Millisecond, found, stuck)
	if c.Err == nil || !strings.Contains(c.Err.Error(), "per-call limit") || c.Source.ID != "stuck" || c.LexiconVersion != e.LexiconVersion() {
		t.Errorf("a runaway call: %+v", c)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go cancel()
	if c := within(ctx, 0, found, stuck); !errors.Is(c.Err, context.Canceled) {
		t.Errorf("cancelled: %v", c.Err)
	}
	quick := within(context.Background(), time.Minute, found, func() Call { return Call{Source: source.Call{ID: "quick"}} })
	if quick.Err != nil || quick.Source.ID != "quick" {
		t.Errorf("a quick call: %+v", quick)
	}
}
