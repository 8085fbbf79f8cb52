package sink

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/callqa/callqa/internal/osfs"
	"github.com/callqa/callqa/pipeline"
	"github.com/callqa/callqa/pipeline/source"
	"github.com/callqa/callqa/pipeline/stage/transcript"
)

// snapshot is every file a reader can see in dir, with its contents (the
// folder's lock aside).
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, name := range visible(t, dir) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		out[name] = string(b)
	}
	return out
}

// call is one file-system call of a run's writer, as osfs sees it.
type call struct {
	op   osfs.Op
	path string
}

// writeFailing writes the first sample call as part p of a new run into
// dir, with the n-th file-system call failing (none when n is 0), and
// returns the calls made and the first error.
func writeFailing(dir string, p Part, n int) ([]call, error) {
	var calls []call
	restore := osfs.Inject(func(op osfs.Op, path string) error {
		calls = append(calls, call{op, path})
		if len(calls) == n {
			return syscall.EIO
		}
		return nil
	})
	defer restore()
	w, err := Create(context.Background(), dir, sampleRun(p))
	if err != nil {
		return calls, err
	}
	defer w.Abort()
	rows, hits, intervals, utterances := sampleRows()
	if err := w.write(rows[0], hits[0], intervals[0], utterances[0]); err != nil {
		return calls, err
	}
	return calls, w.Commit(context.Background())
}

// TestEveryFileSystemFault fails each file-system call of a run's writer
// in turn (every create, open, write, truncate, sync, close, chmod,
// rename, link and removal, from the start of the run to the end of its
// commit), as a full disk or an I/O error would. Each fault but one that
// only tidies up makes the run fail with the call, the file and the
// cause in its message, and leaves the folder exactly as it was: the
// earlier run whole, nothing of the new one, no hidden file, no lock
// held. A fault in tidying up after a commit leaves the new run whole, and
// what it could not remove goes at the next run there.
func TestEveryFileSystemFault(t *testing.T) {
	for _, c := range []struct {
		name   string
		before []Part // the earlier run's parts, another lexicon
		new    Part
	}{
		// Another shard count: its ten files are moved aside, five renamed in.
		{"shards replaced by a whole run", []Part{{0, 2}, {1, 2}}, Whole},
		// The same part: each file replaced in place, the old one kept as a link.
		{"a whole run replaced", []Part{Whole}, Whole},
		{"a first run", nil, Whole},
	} {
		t.Run(c.name, func(t *testing.T) {
			setUp := func(t *testing.T) (dir string, before map[string]string) {
				dir = filepath.Join(t.TempDir(), "out")
				for i, p := range c.before {
					old := sampleRun(p)
					old.LexiconVersion = "old@1"
					writePart(t, dir, old, i)
				}
				if c.before == nil {
					return dir, map[string]string{}
				}
				return dir, snapshot(t, dir)
			}
			dir, _ := setUp(t)
			all, err := writeFailing(dir, c.new, 0)
			if err != nil {
				t.Fatal(err)
			}
			ops := map[osfs.Op]int{}
			for _, call := range all {
				ops[call.op]++
			}
			t.Logf("%d calls: %v", len(all), ops)
			for _, op := range []osfs.Op{osfs.OpCreate, osfs.OpOpen, osfs.OpWrite, osfs.OpSync, osfs.OpClose, osfs.OpChmod, osfs.OpRename, osfs.OpRemove} {
				if ops[op] == 0 {
					t.Errorf("no %s call to fail", op)
				}
			}
			for n := 1; n <= len(all); n++ {
				dir, before := setUp(t)
				calls, err := writeFailing(dir, c.new, n)
				if len(calls) < n {
					t.Fatalf("call %d failing: only %d calls made", n, len(calls))
				}
				failed := calls[n-1]
				if err == nil {
					if failed.op != osfs.OpRemove && failed.op != osfs.OpClose && failed.op != osfs.OpLink {
						t.Errorf("%s %s failing: the run succeeded", failed.op, failed.path)
						continue
					}
					// It only tidied up (or, for a link, the commit moved the
					// old file aside instead): the new run is there, whole,
					// and the next run removes what is left.
					t.Logf("%s %s failing: the run succeeded", failed.op, failed.path)
					if set, rows, _, err := Read(dir); err != nil || len(rows) != 1 || len(set.Parts) != 1 || set.Parts[0].RunID != sampleRun(c.new).ID() {
						t.Errorf("%s %s failing: the run succeeded, but the folder reads as %v, %d calls, %v", failed.op, failed.path, set, len(rows), err)
					}
					w, err := Create(context.Background(), dir, sampleRun(c.new))
					if err != nil {
						t.Fatalf("%s %s failing: the next run: %v", failed.op, failed.path, err)
					}
					w.Abort()
					if got := visible(t, dir); len(got) != 5 {
						t.Errorf("%s %s failing: after the next run started the folder holds %v", failed.op, failed.path, got)
					}
					continue
				}
				msg := err.Error()
				if !strings.Contains(msg, string(failed.op)+" "+failed.path+": input/output error") || !strings.Contains(msg, "nothing was replaced") {
					t.Errorf("%s %s failing: the error does not say so: %v", failed.op, failed.path, err)
				}
				got := map[string]string{}
				if _, err := os.Stat(dir); err == nil {
					got = snapshot(t, dir)
				}
				if !maps.Equal(got, before) {
					t.Errorf("%s %s failing (%v): the folder holds %v, want %v as before", failed.op, failed.path, err, slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(before)))
				}
				// No lock is left held: the same run can start again.
				w, err := Create(context.Background(), dir, sampleRun(c.new))
				if err != nil {
					t.Errorf("%s %s failing: the next run: %v", failed.op, failed.path, err)
					continue
				}
				w.Abort()
			}
		})
	}
}

// The shards of one run stay side by side; any part of another run goes
// in the same commit.
func TestCommitKeepsOneRun(t *testing.T) {
	dir := t.TempDir()
	writePart(t, dir, sampleRun(Part{0, 2}), 0)
	writePart(t, dir, sampleRun(Part{1, 2}), 1)
	if got := len(visible(t, dir)); got != 10 {
		t.Fatalf("two shards: %d files", got)
	}
	other := sampleRun(Part{1, 2})
	other.Settings = map[string]string{"agent_channel": "right"} // another run, same shard count
	w, err := Create(context.Background(), dir, other)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := []string{"calls-0-of-2.parquet", "hits-0-of-2.parquet", "intervals-0-of-2.parquet", "run-0-of-2.json", "utterances-0-of-2.parquet"}
	if !slices.Equal(w.Replaced, want) {
		t.Errorf("replaced %v, want %v", w.Replaced, want)
	}
	set, calls, _, err := Read(dir)
	if err != nil || len(calls) != 0 || len(set.Missing) != 1 || set.Missing[0] != (Part{0, 2}) {
		t.Errorf("read %v, %d calls, %v", set, len(calls), err)
	}
}

// A second writer of a live part, or of another shard count, is refused
// with who holds it; a writer of another shard of the same count is not.
func TestLiveRunsAreRefused(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	first, err := Create(ctx, dir, sampleRun(Part{0, 2}))
	if err != nil {
		t.Fatal(err)
	}
	defer first.Abort()
	for _, p := range []Part{{0, 2}, Whole, {2, 3}} {
		_, err := Create(ctx, dir, sampleRun(p))
		if err == nil || !strings.Contains(err.Error(), "another callqa run is writing shard 0/2 there (pid ") {
			t.Errorf("a writer of %v beside a live 0/2: %v", p, err)
		}
	}
	// The other shard of another run (other calls: tonight's shard 1/2
	// beside last night's 0/2) would replace the live one's files.
	other := sampleRun(Part{1, 2})
	other.CallsDigest = "tonight"
	if _, err := Create(ctx, dir, other); err == nil || !strings.Contains(err.Error(), "is another run") {
		t.Errorf("shard 1/2 of another run beside a live 0/2: %v", err)
	}
	second, err := Create(ctx, dir, sampleRun(Part{1, 2}))
	if err != nil {
		t.Fatalf("shard 1/2 beside 0/2: %v", err)
	}
	if err := second.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := first.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if set, _, _, err := Read(dir); err != nil || len(set.Parts) != 2 {
		t.Errorf("read %v, %v", set, err)
	}
}

// Unfinished files of a dead run are removed; a live run's are not.
func TestStaleTemporariesRemoved(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	live, err := Create(ctx, dir, sampleRun(Part{1, 2}))
	if err != nil {
		t.Fatal(err)
	}
	defer live.Abort()
	dead := []string{backupPrefix + "3", ".calls-0-of-2.parquet.tmp-1", ".run-0-of-2.json.tmp-2"} // sorted
	for _, name := range append(dead, ".report.html.tmp-4") {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	w, err := Create(ctx, dir, sampleRun(Part{0, 2}))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	if slices.Sort(w.Cleaned); !slices.Equal(w.Cleaned, dead) {
		t.Errorf("cleaned %v, want %v", w.Cleaned, dead)
	}
	names := strings.Join(visible(t, dir), " ")
	if !strings.Contains(names, ".calls-1-of-2.parquet.tmp-") || !strings.Contains(names, ".report.html.tmp-4") {
		t.Errorf("a live run's files, or another's, were removed: %s", names)
	}
}

func TestFilesThatGlobLikePartsAreRefused(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "calls-backup.parquet"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Create(context.Background(), dir, sampleRun(Whole)); err == nil || !strings.Contains(err.Error(), "holds calls-backup.parquet") {
		t.Errorf("err = %v", err)
	}
}

func TestParseName(t *testing.T) {
	for name, want := range map[string]string{
		"calls.parquet": "calls 0/1", "utterances-3-of-4.parquet": "utterances 3/4", "run-0-of-2.json": "run 0/2",
		"run.json": "run 0/1", ".run-1-of-2.lock": "lock 1/2", ".run.lock": "lock 0/1",
		"calls-0-of-1.parquet": "", "calls-4-of-4.parquet": "", "calls-01-of-4.parquet": "", "calls-old.parquet": "",
		"run.lock": "", "report.json": "", "calls.json": "",
	} {
		kind, p, ok := parseName(name)
		got := ""
		if ok {
			got = kind + " " + p.String()
		}
		if got != want {
			t.Errorf("parseName(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestUtterances(t *testing.T) {
	c := pipeline.Call{Source: source.Call{ID: "c"}, Transcript: &transcript.Transcript{Timed: true, Segments: []transcript.Segment{
		{Speaker: "agent", Start: 0.1 + 0.2, End: 1.5, Text: "您好，請問！"},
		{Speaker: "customer", Start: 2, End: 3, Text: "ＯＫ 好的"},
	}}}
	rows := Utterances(&c)
	if len(rows) != 2 || rows[0].Normalized != "您好请问" || rows[1].Normalized != "ok好的" || rows[1].SegmentIndex != 1 ||
		*rows[0].StartS != 0.3 || rows[0].Text != "您好，請問！" {
		t.Errorf("rows = %+v", rows)
	}
	c.Transcript.Timed = false
	if rows := Utterances(&c); rows[0].StartS != nil || rows[0].EndS != nil {
		t.Errorf("untimed: %+v", rows[0])
	}
}

func TestRounding(t *testing.T) {
	if got := milli(0.6000000000000014); got != 0.6 {
		t.Errorf("milli = %v", got)
	}
	if got := micro(1.0 / 3); got != 0.333333 {
		t.Errorf("micro = %v", got)
	}
	if got := milli(1e300); got != 1e300 {
		t.Errorf("milli(1e300) = %v", got)
	}
}
