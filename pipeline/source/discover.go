// Package source says which calls a run checks: the calls found in folders
// (a recording NAME.wav and/or a transcript NAME.json, .txt, .srt or .vtt
// with the same stem in one folder), those a manifest names, and the shard
// of them this run owns.
package source

import (
	"cmp"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Call is one call to process. The id is the stem of its files.
type Call struct {
	ID             string
	AudioPath      string // "" when the call has no recording
	TranscriptPath string // "" when the call has no transcript
	// Metadata from a manifest (empty or nil when not given).
	AgentID, Team string
	StartedAt     *time.Time
	// AgentChannel is set when a manifest sets it for this call; Unset
	// defers to the run's --agent-channel.
	AgentChannel Channel
	// Err is set when the call cannot be processed as found (a duplicate id);
	// it still gets a row, so nothing is dropped silently.
	Err error
}

// File kinds by extension (matched case-insensitively).
var (
	audioExts      = []string{".wav"}
	transcriptExts = []string{".json", ".txt", ".srt", ".vtt"}
)

// Find walks the inputs (folders recursively, or single files) and returns
// the calls sorted by id. Hidden files and folders (".name") are skipped.
// Two calls with the same id in different folders are both returned; the
// later one (by path) carries an error.
func Find(inputs []string) ([]Call, error) {
	byKey := map[string]*Call{} // key: folder + stem
	add := func(path string) error {
		path = filepath.Clean(path)
		ext := strings.ToLower(filepath.Ext(path))
		isAudio, isText := slices.Contains(audioExts, ext), slices.Contains(transcriptExts, ext)
		if !isAudio && !isText {
			return nil
		}
		stem := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
		key := filepath.Join(filepath.Dir(path), stem)
		c := byKey[key]
		if c == nil {
			c = &Call{ID: stem}
			byKey[key] = c
		}
		slot := &c.TranscriptPath
		if isAudio {
			slot = &c.AudioPath
		}
		if *slot == path {
			return nil // named twice, by a folder and by itself
		}
		if *slot != "" {
			// Keep the call, with an error in its row, rather than guess.
			c.Err = fmt.Errorf("%s and %s are files of the same call: rename one", *slot, path)
			return nil
		}
		*slot = path
		return nil
	}
	for _, in := range inputs {
		st, err := os.Stat(in)
		if err != nil {
			return nil, fmt.Errorf("input %w", err)
		}
		if !st.IsDir() {
			ext := strings.ToLower(filepath.Ext(in))
			if !slices.Contains(audioExts, ext) && !slices.Contains(transcriptExts, ext) {
				return nil, fmt.Errorf("input %s: not a recording (.wav) or transcript (.json, .txt, .srt, .vtt)", in)
			}
			if err := add(in); err != nil {
				return nil, err
			}
			continue
		}
		err = filepath.WalkDir(in, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if path != in && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() {
				return add(path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("input %w", err)
		}
	}

	calls := make([]Call, 0, len(byKey))
	for _, c := range byKey {
		calls = append(calls, *c)
	}
	slices.SortFunc(calls, func(a, b Call) int {
		return cmp.Or(cmp.Compare(a.ID, b.ID), cmp.Compare(a.path(), b.path()))
	})
	MarkDuplicates(calls)
	return calls, nil
}

// path is a file of the call, to tell duplicates apart.
func (c Call) path() string {
	return cmp.Or(c.AudioPath, c.TranscriptPath)
}
