package sink

import (
	"cmp"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/parquet-go/parquet-go"
)

// Set is the run whose files a folder holds, as Read found it.
type Set struct {
	// Parts are the manifests of the parts present, by shard index; none
	// for a folder written before callqa wrote run manifests (Legacy).
	Parts  []*Manifest
	Legacy bool
	// Count is the run's shard count; Missing the shards not (yet) there.
	Count   int
	Missing []Part
	// Notes are what a reader should know: parts that disagree on what
	// the run found.
	Notes []string
}

func (s *Set) String() string {
	if s.Legacy {
		return fmt.Sprintf("a run without run manifest (an older callqa's), %d of %d shards", s.Count-len(s.Missing), s.Count)
	}
	m := s.Parts[0]
	shards := ""
	if s.Count > 1 {
		shards = fmt.Sprintf(", %d of %d shards", len(s.Parts), s.Count)
	}
	return fmt.Sprintf("run %s (lexicon %s, callqa %s%s)", m.RunID, m.LexiconVersion, m.Callqa, shards)
}

// Read reads back the run in dir: the calls and hits of every part its run
// manifests name, each file checked against its manifest. A folder that
// holds more than one run, or a file that only globs like a part, is an
// error: the README's read_parquet('DIR/calls*.parquet') would sum them.
// Hidden unfinished files are never read. Rows come in shard order.
func Read(dir string) (set *Set, calls []CallRow, hits []HitRow, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, nil, err
	}
	set = &Set{}
	present := map[string]bool{} // the parts' files in dir
	var orphans []string
	for _, e := range entries {
		name := e.Name()
		kind, p, ours := parseName(name)
		switch {
		case !ours && globbed(name):
			orphans = append(orphans, name)
		case kind == runStem:
			m, err := readManifest(filepath.Join(dir, name), p)
			if err != nil {
				return nil, nil, nil, err
			}
			set.Parts = append(set.Parts, m)
		case ours && kind != "lock":
			present[name] = true
		}
	}
	if len(set.Parts) == 0 {
		return readLegacy(dir, present, orphans)
	}
	slices.SortFunc(set.Parts, func(a, b *Manifest) int { return cmp.Compare(a.ShardIndex, b.ShardIndex) })
	first := set.Parts[0]
	set.Count = first.ShardCount
	for _, m := range set.Parts {
		if m.RunID != first.RunID || m.ShardCount != first.ShardCount {
			return nil, nil, nil, fmt.Errorf("%s holds the parts of two runs (%s and %s): rerun callqa run into it", dir, describe(first), describe(m))
		}
		for _, f := range m.Files {
			delete(present, f.Name)
		}
		delete(present, m.Part().Names().Run)
		if m.CallsFound != first.CallsFound || m.Callqa != first.Callqa {
			set.Notes = append(set.Notes, fmt.Sprintf("shard %s found %d calls with callqa %s, shard %s %d with callqa %s: were they run over the same calls?",
				first.Part(), first.CallsFound, first.Callqa, m.Part(), m.CallsFound, m.Callqa))
		}
	}
	if len(present) > 0 || len(orphans) > 0 {
		return nil, nil, nil, fmt.Errorf("%s holds %s, which no run manifest names (an interrupted commit, or files copied in): rerun callqa run into it, or move them away",
			dir, strings.Join(slices.Sorted(slices.Values(append(orphans, slices.Collect(maps.Keys(present))...))), ", "))
	}
	for i := range set.Count {
		if !slices.ContainsFunc(set.Parts, func(m *Manifest) bool { return m.ShardIndex == i }) {
			set.Missing = append(set.Missing, Part{Index: i, Count: set.Count})
		}
	}
	for _, m := range set.Parts {
		c, err := readChecked[CallRow](dir, m, "calls")
		if err != nil {
			return nil, nil, nil, err
		}
		h, err := readChecked[HitRow](dir, m, "hits")
		if err != nil {
			return nil, nil, nil, err
		}
		calls, hits = append(calls, c...), append(hits, h...)
		for _, table := range []string{"intervals", "utterances"} {
			if err := checkSize(dir, m, table); err != nil {
				return nil, nil, nil, err
			}
		}
	}
	return set, calls, hits, nil
}

// readLegacy reads a folder written before run manifests: only when its
// files are those of one shard count.
func readLegacy(dir string, present map[string]bool, orphans []string) (*Set, []CallRow, []HitRow, error) {
	var parts []Part
	for name := range present {
		if kind, p, _ := parseName(name); kind == "calls" {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return nil, nil, nil, fmt.Errorf("%s: no run.json and no calls*.parquet (the output folder of callqa run)", dir)
	}
	slices.SortFunc(parts, func(a, b Part) int { return cmp.Or(cmp.Compare(a.Count, b.Count), cmp.Compare(a.Index, b.Index)) })
	if len(orphans) > 0 || parts[0].Count != parts[len(parts)-1].Count {
		return nil, nil, nil, fmt.Errorf("%s holds the files of more than one run, and no run manifest says which is current (%s): rerun callqa run into it",
			dir, strings.Join(slices.Sorted(slices.Values(append(orphans, slices.Collect(maps.Keys(present))...))), ", "))
	}
	set := &Set{Legacy: true, Count: parts[0].Count}
	var calls []CallRow
	var hits []HitRow
	for i := range set.Count {
		p := Part{Index: i, Count: set.Count}
		names := p.Names()
		if !present[names.Calls] {
			set.Missing = append(set.Missing, p)
			continue
		}
		c, err := readFile[CallRow](filepath.Join(dir, names.Calls))
		if err != nil {
			return nil, nil, nil, err
		}
		calls = append(calls, c...)
		if present[names.Hits] {
			h, err := readFile[HitRow](filepath.Join(dir, names.Hits))
			if err != nil {
				return nil, nil, nil, err
			}
			hits = append(hits, h...)
		}
	}
	return set, calls, hits, nil
}

// readChecked reads the part's table, which must be the file its manifest
// describes.
func readChecked[T any](dir string, m *Manifest, table string) ([]T, error) {
	if err := checkSize(dir, m, table); err != nil {
		return nil, err
	}
	f, _ := m.file(table)
	rows, err := readFile[T](filepath.Join(dir, f.Name))
	if err != nil {
		return nil, err
	}
	if int64(len(rows)) != f.Rows {
		return nil, mismatch(dir, m, f, fmt.Sprintf("%d rows", len(rows)), fmt.Sprintf("%d", f.Rows))
	}
	return rows, nil
}

// checkSize checks that the part's table is there, as large as its
// manifest says.
func checkSize(dir string, m *Manifest, table string) error {
	f, _ := m.file(table) // readManifest checked that every table is named
	fi, err := os.Stat(filepath.Join(dir, f.Name))
	if err != nil {
		return fmt.Errorf("%s: %w: rerun callqa run into %s", m.Part().Names().Run, err, dir)
	}
	if fi.Size() != f.Bytes {
		return mismatch(dir, m, f, fmt.Sprintf("%d bytes", fi.Size()), fmt.Sprintf("%d", f.Bytes))
	}
	// The same size is not the same file: a torn folder can hold an older
	// run's file of equal length. Its footer names its run.
	id, err := footerRunID(filepath.Join(dir, f.Name), fi.Size())
	if err != nil {
		return err
	}
	if id != m.RunID {
		return mismatch(dir, m, f, fmt.Sprintf("run id %q in its footer", id), fmt.Sprintf("run %s", m.RunID))
	}
	return nil
}

// footerRunID reads the run id a part file's footer holds.
func footerRunID(path string, size int64) (id string, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("read %s: damaged file: %v", path, p)
		}
	}()
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	pf, err := parquet.OpenFile(f, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	id, _ = pf.Lookup("callqa.run_id")
	return id, nil
}

func mismatch(dir string, m *Manifest, f ManifestFile, got, want string) error {
	return fmt.Errorf("%s: %s, but %s says %s: it was changed since, or a run is committing: rerun callqa run into %s",
		filepath.Join(dir, f.Name), got, m.Part().Names().Run, want, dir)
}

func describe(m *Manifest) string {
	return fmt.Sprintf("run %s: shard count %d, lexicon %s", m.RunID, m.ShardCount, m.LexiconVersion)
}

// readFile reads one part. parquet-go panics on some damaged files (a
// corrupt page index, say): that is an error of this file, not a crash.
func readFile[T any](path string) (rows []T, err error) {
	defer func() {
		if p := recover(); p != nil {
			rows, err = nil, fmt.Errorf("read %s: damaged file: %v", path, p)
		}
	}()
	rows, err = parquet.ReadFile[T](path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return rows, nil
}
