// Package source says which calls a run checks: the calls found in folders
// (a recording NAME.wav, .mp3, .flac, .ogg, .opus or .m4a and/or a transcript NAME.json, .txt, .srt or .vtt
// with the same stem in one folder), those a manifest names, and the shard
// of them this run owns.
package source

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/callqa/callqa/internal/inputfile"
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
	// Warnings are problems with how the call was named that do not stop
	// it (a manifest's started_at that is not a time).
	Warnings []string
}

// File kinds by extension (matched case-insensitively). The decoder tells
// a recording's format from its content; a pipeline test checks that it
// knows each of these.
var (
	AudioExts      = []string{".wav", ".mp3", ".flac", ".ogg", ".opus", ".m4a"}
	transcriptExts = []string{".json", ".txt", ".srt", ".vtt"}
)

// Skipped is a file in an input folder that is not a call's, or a folder
// that could not be read: the run's summary names them, so that nothing
// is left out silently.
type Skipped struct {
	Path, Reason string
}

// Found is what Discover found: the calls, sorted by id, and what it
// skipped, sorted by path.
type Found struct {
	Calls   []Call
	Skipped []Skipped
}

// Find is Discover without the skipped files.
func Find(inputs []string) ([]Call, error) {
	f, err := Discover(inputs)
	return f.Calls, err
}

// Discover walks the inputs (folders recursively, or single files) and
// returns the calls sorted by id. Symbolic links are followed, to files
// and to folders; a folder or file reached twice (by a link, a link loop,
// a hard link) counts once: at its own name when the inputs reach it so,
// else at the first link to it (inputs in the order given, names sorted).
// Hidden files and folders (".name") and calls' expectation files
// (NAME.expect.yaml) are ignored; any other file that is
// not a call's (a stray .mp3, a broken link) and any folder that cannot be
// read is Skipped. Two calls with the same id in different folders are
// both returned; the later one (by path) carries an error.
func Discover(inputs []string) (Found, error) {
	w := walker{byKey: map[string]*Call{}, seen: map[any]bool{}, own: map[any]bool{}}
	for _, in := range inputs {
		st, err := os.Stat(in)
		if err != nil {
			return Found{}, fmt.Errorf("input %w", err)
		}
		if !st.IsDir() {
			if !IsCallFile(in) {
				return Found{}, fmt.Errorf("input %s: not a recording (.wav, .mp3, .flac, .ogg, .opus, .m4a) or transcript (.json, .txt, .srt, .vtt)", in)
			}
			w.file(in, st, true)
			continue
		}
		w.dir(filepath.Clean(in), st)
	}
	// Links come last, so that a file or folder that is also reached by
	// its own name counts there: links to folders (which may hold more
	// links), then links to files.
	for len(w.dirLinks) > 0 {
		l := w.dirLinks[0]
		w.dirLinks = w.dirLinks[1:]
		w.dir(l.path, l.st)
	}
	for _, l := range w.fileLinks {
		w.entry(l.path, l.st, true)
	}
	calls := make([]Call, 0, len(w.byKey))
	for _, c := range w.byKey {
		calls = append(calls, *c)
	}
	slices.SortFunc(calls, func(a, b Call) int {
		return cmp.Or(cmp.Compare(a.ID, b.ID), cmp.Compare(a.path(), b.path()))
	})
	MarkDuplicates(calls)
	slices.SortFunc(w.skipped, func(a, b Skipped) int { return cmp.Compare(a.Path, b.Path) })
	return Found{Calls: calls, Skipped: w.skipped}, nil
}

// walker gathers the calls of the inputs.
type walker struct {
	byKey map[string]*Call // key: folder + stem
	seen  map[any]bool     // files and folders reached, by fileID
	own   map[any]bool     // files found by their own name in a folder
	// Links found, to follow once the rest is walked.
	dirLinks, fileLinks []link
	skipped             []Skipped
}

// link is a symbolic link found in a folder, and the Stat of its target.
type link struct {
	path string
	st   fs.FileInfo
}

// dir adds the calls in folder path (st is its Stat) and below it.
func (w *walker) dir(path string, st fs.FileInfo) {
	if !w.first(path, st) {
		return // reached before: by another link, or by a loop
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		w.skip(path, fmt.Sprintf("folder cannot be read: %v", unwrapPath(err)))
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		p := filepath.Join(path, e.Name())
		st, err := os.Stat(p) // follows links
		switch {
		case err != nil && e.Type()&fs.ModeSymlink != 0:
			w.skip(p, fmt.Sprintf("broken link: %v", unwrapPath(err)))
		case err != nil:
			w.skip(p, fmt.Sprintf("cannot be read: %v", unwrapPath(err)))
		case e.Type()&fs.ModeSymlink != 0 && st.IsDir():
			w.dirLinks = append(w.dirLinks, link{p, st})
		case e.Type()&fs.ModeSymlink != 0:
			w.fileLinks = append(w.fileLinks, link{p, st})
		default:
			w.entry(p, st, false)
		}
	}
}

// entry adds what is at path, a folder or a file of which st is the Stat;
// indirect says it was reached by a link.
func (w *walker) entry(path string, st fs.FileInfo, indirect bool) {
	switch {
	case st.IsDir():
		w.dir(path, st)
	case IsCallFile(path):
		// Not only regular files: a FIFO named x.wav becomes a call whose
		// row says why it cannot be read.
		w.file(path, st, indirect)
	case strings.HasSuffix(path, ExpectSuffix):
		// A call's expected results (callqa lexicon test), beside it.
	default:
		w.skip(path, fmt.Sprintf("not a call (%s)", kindOf(path, st)))
	}
}

// file adds a call's file, of which st is the Stat, unless it was reached
// before under the same name, or, when named as an input or reached by a
// link (indirect), by its own name or by a link of the same stem. Two names of one file in a folder (hard
// links, as dedup tools make) are two calls: each name is a call's id.
func (w *walker) file(path string, st fs.FileInfo, indirect bool) {
	path = filepath.Clean(path)
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	ext := strings.ToLower(filepath.Ext(path))
	stem := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	// A link counts once its file was found by its own name in a folder,
	// or by another link for the same stem; links for different stems to
	// a file found only through links (a transcript two calls share) are
	// each their call's.
	id := fileID(path, st)
	sameCall := [2]any{id, stem}
	if w.seen[abs] || indirect && (w.own[id] || w.seen[sameCall]) {
		return // named twice: by a folder and by itself, or by a link
	}
	w.seen[abs], w.seen[sameCall] = true, true
	if !indirect {
		w.own[id] = true
	}
	key := filepath.Join(filepath.Dir(path), stem)
	c := w.byKey[key]
	if c == nil {
		c = &Call{ID: stem}
		w.byKey[key] = c
	}
	slot := &c.TranscriptPath
	if slices.Contains(AudioExts, ext) {
		slot = &c.AudioPath
	}
	if *slot != "" {
		// Keep the call, with an error in its row, rather than guess.
		c.Err = fmt.Errorf("%s and %s are files of the same call: rename one", *slot, path)
		return
	}
	*slot = path
}

// first reports whether the file or folder is reached for the first time.
func (w *walker) first(path string, st fs.FileInfo) bool {
	id := fileID(path, st)
	if w.seen[id] {
		return false
	}
	w.seen[id] = true
	return true
}

func (w *walker) skip(path, reason string) {
	w.skipped = append(w.skipped, Skipped{Path: path, Reason: reason})
}

// isCallFile reports whether path is named as a recording or a transcript.
func IsCallFile(path string) bool {
	ext := strings.ToLower(filepath.Ext(path))
	return slices.Contains(AudioExts, ext) || slices.Contains(transcriptExts, ext)
}

// kindOf names a skipped file by its extension, or its kind when it is
// not a regular file.
func kindOf(path string, st fs.FileInfo) string {
	if !st.Mode().IsRegular() {
		return inputfile.NotRegular(st.Mode())
	}
	if ext := filepath.Ext(path); ext != "" {
		return ext
	}
	return "no extension"
}

// unwrapPath drops the path from an *fs.PathError, which the message
// names already.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// path is a file of the call, to tell duplicates apart.
func (c Call) path() string {
	return cmp.Or(c.AudioPath, c.TranscriptPath)
}

// ExpectSuffix ends the file beside a call that says what lexicon test
// expects of it.
const ExpectSuffix = ".expect.yaml"
