package sink

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

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

// A commit that fails at any of its renames leaves the folder exactly as
// it was: the earlier run whole, nothing of the new one, no hidden files.
func TestFailedCommitPutsEverythingBack(t *testing.T) {
	for _, c := range []struct {
		name       string
		before     []Part // the earlier run's parts, another lexicon
		new        Part
		wantRename int // renames of a commit that succeeds
	}{
		// Another shard count: its ten files are moved aside, five renamed in.
		{"shards replaced by a whole run", []Part{{0, 2}, {1, 2}}, Whole, 15},
		// The same part: each file replaced in place, the old one kept as a link.
		{"a whole run replaced", []Part{Whole}, Whole, 5},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for i, p := range c.before {
				old := sampleRun(p)
				old.LexiconVersion = "old@1"
				writePart(t, dir, old, i)
			}
			before := snapshot(t, dir)
			for fail := 1; ; fail++ {
				n := 0
				rename = func(from, to string) error {
					if n++; n == fail {
						return errors.New("injected failure")
					}
					return os.Rename(from, to)
				}
				w, err := Create(context.Background(), dir, sampleRun(c.new))
				if err != nil {
					t.Fatal(err)
				}
				calls, hits, intervals, utterances := sampleRows()
				if err := w.write(calls[0], hits[0], intervals[0], utterances[0]); err != nil {
					t.Fatal(err)
				}
				err = w.Commit(context.Background())
				rename = os.Rename
				if err == nil {
					if fail != c.wantRename+1 {
						t.Errorf("the commit succeeded with rename %d failing; want %d renames", fail, c.wantRename)
					}
					break
				}
				if !strings.Contains(err.Error(), "injected failure; nothing was replaced") {
					t.Errorf("rename %d failing: %v", fail, err)
				}
				if got := snapshot(t, dir); !maps.Equal(got, before) {
					t.Fatalf("rename %d failing: the folder holds %v, want %v as before", fail, slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(before)))
				}
			}
			_, calls, _, err := Read(dir)
			if err != nil || len(calls) != 1 {
				t.Errorf("after the commit: %d calls, %v", len(calls), err)
			}
			if got := visible(t, dir); len(got) != 5 {
				t.Errorf("after the commit the folder holds %v", got)
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
