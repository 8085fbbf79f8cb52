package sink

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Part is the share of a run that one process writes: shard Index of
// Count. A run that is not split is part 0 of 1.
type Part struct{ Index, Count int }

// Whole is the part of a run that is not split.
var Whole = Part{Index: 0, Count: 1}

func (p Part) String() string { return fmt.Sprintf("%d/%d", p.Index, p.Count) }

// FileNames are the names of one part's files: its four tables and its run
// manifest.
type FileNames struct{ Calls, Hits, Intervals, Utterances, Run string }

// tables are the Parquet files of a part.
var tables = []string{"calls", "hits", "intervals", "utterances"}

// runStem names the run manifest: run.json, run-<i>-of-<n>.json.
const runStem = "run"

// Names are the part's files: calls.parquet and so on for a run that is not
// split, calls-<i>-of-<n>.parquet for shard i of n; DuckDB reads all parts
// with read_parquet('DIR/calls*.parquet').
func (p Part) Names() FileNames {
	return FileNames{
		Calls: p.name("calls", ".parquet"), Hits: p.name("hits", ".parquet"),
		Intervals: p.name("intervals", ".parquet"), Utterances: p.name("utterances", ".parquet"),
		Run: p.name(runStem, ".json"),
	}
}

func (p Part) name(stem, ext string) string {
	if p.Count <= 1 {
		return stem + ext
	}
	return fmt.Sprintf("%s-%d-of-%d%s", stem, p.Index, p.Count, ext)
}

// lockName is the part's lock file, held while a run writes it.
func (p Part) lockName() string { return "." + p.name(runStem, ".lock") }

// parseName tells which part a file of a run's folder belongs to and what
// it is (a table, or "run" for the manifest, or "lock"); ok is false for
// any other name.
func parseName(name string) (kind string, p Part, ok bool) {
	stem, ext := name, ""
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		stem, ext = name[:i], name[i:]
	}
	switch ext {
	case ".parquet", ".json":
	case ".lock":
		s, isLock := strings.CutPrefix(stem, ".")
		if !isLock {
			return "", Part{}, false
		}
		stem = s
	default:
		return "", Part{}, false
	}
	kind, p = stem, Whole
	if k, shard, sharded := strings.Cut(stem, "-"); sharded {
		a, b, ok1 := strings.Cut(shard, "-of-")
		i, err1 := strconv.Atoi(a)
		n, err2 := strconv.Atoi(b)
		if !ok1 || err1 != nil || err2 != nil {
			return "", Part{}, false
		}
		kind, p = k, Part{Index: i, Count: n}
	}
	if p.name(kind, ext) != stem+ext || p.Count < 1 || p.Index < 0 || p.Index >= p.Count {
		return "", Part{}, false // not the canonical spelling: someone else's file
	}
	switch {
	case ext == ".parquet" && slices.Contains(tables, kind), ext == ".json" && kind == runStem:
		return kind, p, true
	case ext == ".lock" && kind == runStem:
		return "lock", p, true
	}
	return "", Part{}, false
}

// globbed reports whether DuckDB's read_parquet('DIR/TABLE*.parquet'), as
// the README and `callqa schema` write it, reads the file named name.
func globbed(name string) bool {
	for _, t := range tables {
		if strings.HasPrefix(name, t) && strings.HasSuffix(name, ".parquet") {
			return true
		}
	}
	return false
}
