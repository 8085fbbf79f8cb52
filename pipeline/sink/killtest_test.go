package sink

import (
	"context"
	"errors"
	"maps"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"syscall"
	"testing"
)

// The kill test runs this test binary again as a helper that commits a
// run and kills itself (SIGKILL, as kill -9) at the n-th crash point of
// the commit.
const (
	helperDir = "CALLQA_SINK_KILL_DIR"
	helperAt  = "CALLQA_SINK_KILL_AT"
)

// TestKillHelper is the helper; it does nothing in a normal test run.
func TestKillHelper(t *testing.T) {
	dir := os.Getenv(helperDir)
	if dir == "" {
		t.Skip("the kill test's helper")
	}
	at, _ := strconv.Atoi(os.Getenv(helperAt))
	n := 0
	crashPoint = func(string) {
		if n++; n == at {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {} // the signal is on its way
		}
	}
	run := sampleRun(Whole)
	run.LexiconVersion = "new@1"
	writePart(t, dir, run, -1)
}

// TestKillAtEveryPointOfACommit: a run killed at any point of its commit
// (after finishing its files aside, writing the journal, moving each stale
// file aside, keeping each replaced file, renaming each new file in,
// syncing) leaves the folder so that the next run to start there finds the
// earlier run whole or the new one whole, and nothing else: no temporary
// file, no backup. Then the run that started gives up, and the folder is
// compared byte for byte.
func TestKillAtEveryPointOfACommit(t *testing.T) {
	if os.Getenv(helperDir) != "" {
		return
	}
	if testing.Short() {
		t.Skip("-short")
	}
	for _, c := range []struct {
		name   string
		before []Part
	}{
		{"a whole run replaced", []Part{Whole}},
		{"shards replaced by a whole run", []Part{{0, 2}, {1, 2}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			setup := func() string {
				dir := t.TempDir()
				for i, p := range c.before {
					old := sampleRun(p)
					old.LexiconVersion = "old@1"
					writePart(t, dir, old, i)
				}
				return dir
			}
			helper := func(dir string, at int) error {
				cmd := exec.Command(os.Args[0], "-test.run=^TestKillHelper$", "-test.count=1")
				cmd.Env = append(os.Environ(), helperDir+"="+dir, helperAt+"="+strconv.Itoa(at))
				return cmd.Run()
			}
			ref := setup()
			before := snapshot(t, ref)
			if err := helper(ref, 0); err != nil {
				t.Fatalf("the helper's commit: %v", err)
			}
			after := snapshot(t, ref)
			oldSeen, newSeen := 0, 0
			for at := 1; ; at++ {
				dir := setup()
				err := helper(dir, at)
				var exit *exec.ExitError
				if err == nil {
					if at < 5 {
						t.Fatalf("only %d crash points", at-1)
					}
					t.Logf("%d crash points: the earlier run found after %d, the new one after %d", at-1, oldSeen, newSeen)
					break
				}
				if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
					t.Fatalf("point %d: the helper ended with %v, not killed", at, err)
				}
				next := sampleRun(Whole)
				next.LexiconVersion = "next@1"
				w, err := Create(context.Background(), dir, next)
				if err != nil {
					t.Fatalf("point %d: the next run cannot start: %v", at, err)
				}
				w.Abort()
				got := snapshot(t, dir)
				switch {
				case maps.Equal(got, before):
					oldSeen++
				case maps.Equal(got, after):
					newSeen++
				default:
					t.Fatalf("killed at point %d: the next run finds %v; want the earlier run %v or the new %v",
						at, slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(before)), slices.Sorted(maps.Keys(after)))
				}
			}
			if oldSeen == 0 || newSeen == 0 {
				t.Errorf("the earlier run found after %d kills, the new one after %d: both should occur", oldSeen, newSeen)
			}
		})
	}
}
