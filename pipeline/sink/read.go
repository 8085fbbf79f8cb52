package sink

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/parquet-go/parquet-go"
)

// Read reads back every part of a run's output in dir: calls.parquet and
// hits.parquet, or the shards' calls-i-of-n.parquet and hits-i-of-n.parquet
// (the files DuckDB's read_parquet('DIR/calls*.parquet') reads). Hidden
// unfinished files are never matched. Rows come in file-name order.
func Read(dir string) (calls []CallRow, hits []HitRow, err error) {
	callFiles, err := filepath.Glob(filepath.Join(dir, "calls*.parquet"))
	if err != nil {
		return nil, nil, err
	}
	if len(callFiles) == 0 {
		if _, statErr := os.Stat(dir); statErr != nil {
			return nil, nil, statErr
		}
		return nil, nil, fmt.Errorf("%s: no calls*.parquet (the output folder of callqa run)", dir)
	}
	hitFiles, err := filepath.Glob(filepath.Join(dir, "hits*.parquet"))
	if err != nil {
		return nil, nil, err
	}
	slices.Sort(callFiles)
	slices.Sort(hitFiles)
	for _, f := range callFiles {
		rows, err := readFile[CallRow](f)
		if err != nil {
			return nil, nil, err
		}
		calls = append(calls, rows...)
	}
	for _, f := range hitFiles {
		rows, err := readFile[HitRow](f)
		if err != nil {
			return nil, nil, err
		}
		hits = append(hits, rows...)
	}
	if len(calls) == 0 && len(hits) > 0 {
		return nil, nil, errors.New("hits without calls")
	}
	return calls, hits, nil
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
