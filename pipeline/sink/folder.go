package sink

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/callqa/callqa/internal/atomicfile"
	"github.com/callqa/callqa/internal/inputfile"
	"github.com/callqa/callqa/internal/osfs"
)

// A run's folder holds the files of one run: the parts of its shards
// (each with its run manifest), nothing of another run, and nothing that
// read_parquet('DIR/calls*.parquet') would read beside them. This file
// keeps it so: claim when a run starts, stale and swap when it commits.

// backupPrefix names the hidden folder a commit moves replaced files into
// until it is done, so that a failed commit can put them back.
const backupPrefix = ".callqa-replaced-"

// claim takes the lock of run's part in dir for a run that starts,
// refusing when another run of that part, or a part of another run (another
// shard count, lexicon or calls), is live there, or when files that are not
// callqa's would be read with the run's. It
// removes what dead runs left: unfinished files, their locks, a failed
// commit's backup. It returns the lock and the names it removed.
func claim(ctx context.Context, dir string, run Run) (lock *osfs.File, removed []string, err error) {
	part, id := run.Part, run.ID()
	folder, err := lockFolder(ctx, dir)
	if err != nil {
		return nil, nil, unchanged(dir, err)
	}
	defer unlock(folder)
	own := filepath.Join(dir, part.lockName())
	lock, err = tryLock(own)
	if errors.Is(err, errHeld) {
		return nil, nil, fmt.Errorf("--out %s: another callqa run is writing %s there (%s): wait for it to end, or choose another --out",
			dir, partWords(part), holder(own))
	}
	if err != nil {
		return nil, nil, unchanged(dir, err)
	}
	defer func() {
		if err != nil {
			release(dir, part, lock)
		}
	}()
	if err := lock.Truncate(0); err != nil { // a dead holder's words may be there
		return nil, nil, unchanged(dir, err)
	}
	if _, err := lock.WriteString(describeHolder(part, id) + "\n"); err != nil {
		return nil, nil, unchanged(dir, err)
	}
	entries, err := osfs.ReadDir(dir)
	if err != nil {
		return nil, nil, unchanged(dir, err)
	}
	live := liveParts(dir, part)
	var foreign []string
	for _, e := range entries {
		name := e.Name()
		path := filepath.Join(dir, name)
		if target, ok := atomicfile.Target(name); ok {
			if kind, p, ours := parseName(target); ours && kind != "lock" && !live(p) {
				removed = append(removed, name)
				osfs.Remove(path)
			}
			continue
		}
		if strings.HasPrefix(name, backupPrefix) {
			// Commits run under the folder lock: this one died. Its
			// journal says whether it finished; if not, the old files go
			// back before anything else happens here.
			if err := recoverCommit(dir, path); err != nil {
				return nil, nil, fmt.Errorf("--out %s: a commit was cut short and its earlier files could not be put back (they are in %s): %w", dir, path, err)
			}
			removed = append(removed, name)
			continue
		}
		kind, p, ours := parseName(name)
		switch {
		case !ours && globbed(name):
			foreign = append(foreign, name)
		case kind == "lock" && p != part && live(p) && (p.Count != part.Count || holderRun(path) != id):
			return nil, nil, fmt.Errorf("--out %s: another callqa run is writing %s there (%s), and this run (%s) is another run: wait for it to end, or choose another --out",
				dir, partWords(p), holder(path), id)
		case kind == runStem:
			if _, err := readManifest(path, p); errors.Is(err, errForeign) {
				foreign = append(foreign, name)
			}
		case kind == "lock" && p != part && !live(p):
			osfs.Remove(path) // its run died: nobody can be taking it, we hold the folder lock
		}
	}
	if len(foreign) > 0 {
		return nil, nil, fmt.Errorf("--out %s holds %s, which callqa did not write but would read or replace with this run's files: move it away, or choose another --out",
			dir, strings.Join(foreign, ", "))
	}
	return lock, removed, nil
}

// liveParts returns a test of whether another run is writing part p in
// dir (never own, whose lock the caller holds: what is there of it is
// stale). The caller holds the folder lock, under which every part lock
// is taken, so probing one cannot turn away a run that starts.
func liveParts(dir string, own Part) func(Part) bool {
	seen := map[Part]bool{own: false}
	return func(p Part) bool {
		if live, ok := seen[p]; ok {
			return live
		}
		path := filepath.Join(dir, p.lockName())
		live := false
		if _, err := os.Stat(path); err == nil {
			f, err := tryLock(path)
			live = errors.Is(err, errHeld)
			unlock(f)
		}
		seen[p] = live
		return live
	}
}

// release gives up part's lock and removes its file. The caller holds the
// folder lock, so nobody can be opening the file meanwhile.
func release(dir string, part Part, lock *osfs.File) {
	osfs.Remove(filepath.Join(dir, part.lockName()))
	unlock(lock)
}

// partWords names a part for people: "shard 1/4", or "its output" for a
// run that is not split.
func partWords(p Part) string {
	if p.Count <= 1 {
		return "its output (not sharded)"
	}
	return "shard " + p.String()
}

// stale lists the files in dir that the commit of run removes: every part
// of another run (another shard count, or a manifest with another run id
// or none). It fails, replacing nothing, on a file that only globs like
// one. The caller holds the folder lock.
func stale(dir string, run Run) ([]string, error) {
	entries, err := osfs.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	id := run.ID()
	same := map[Part]bool{run.Part: true}
	var out []string
	for _, e := range entries {
		name := e.Name()
		kind, p, ours := parseName(name)
		switch {
		case !ours && globbed(name):
			return nil, fmt.Errorf("--out %s now holds %s, which read_parquet('%s/calls*.parquet') and the like would read with this run's files: move it away and run again", dir, name, dir)
		case !ours || kind == "lock":
			continue
		}
		keep, ok := same[p]
		if !ok {
			m, err := readManifest(filepath.Join(dir, p.Names().Run), p)
			if errors.Is(err, errForeign) {
				return nil, fmt.Errorf("--out %s holds %s, which callqa did not write (%v): move it away and run again", dir, p.Names().Run, err)
			}
			keep = err == nil && p.Count == run.Part.Count && m.RunID == id
			same[p] = keep
		}
		if !keep {
			out = append(out, name)
		}
	}
	return out, nil
}

// errPartlyReplaced marks a commit that failed and could not put every
// earlier file back.
var errPartlyReplaced = errors.New("the folder holds part of each run until a run completes")

// swap renames the finished files into place, after moving the stale files
// out of the way, as one step for readers that trust the run manifests
// (the last of files): on an error every file is put back as it was, and
// the new files are left aside for the caller to abort. A replaced file is
// kept as a hard link in a hidden backup folder until the end, so that its
// name never goes missing; a file system without hard links moves it
// there instead. The caller holds the folder lock.
func swap(dir, runID string, files []*atomicfile.File, staleNames []string) (err error) {
	backup, err := osfs.MkdirTemp(dir, backupPrefix+"*")
	if err != nil {
		return err
	}
	j := journal{RunID: runID, Stale: staleNames}
	for _, f := range files {
		name := filepath.Base(f.Path())
		j.Files = append(j.Files, name)
		if _, err := os.Lstat(f.Path()); errors.Is(err, fs.ErrNotExist) {
			j.Fresh = append(j.Fresh, name)
		}
	}
	if j.Manifest, err = fileSHA256(files[len(files)-1].Name()); err != nil {
		osfs.RemoveAll(backup)
		return err
	}
	if err := j.write(backup); err != nil {
		osfs.RemoveAll(backup)
		return err
	}
	crashPoint("journal written")
	var undo []func() error
	defer func() {
		if err == nil {
			osfs.RemoveAll(backup)
			return
		}
		for _, u := range slices.Backward(undo) {
			if uerr := u(); uerr != nil {
				err = fmt.Errorf("%w; putting the earlier files back failed too (%v): they are in %s: %w", err, uerr, backup, errPartlyReplaced)
				return // the backup holds what could not be put back
			}
		}
		osfs.RemoveAll(backup)
	}()
	moveAside := func(name string) error {
		final, aside := filepath.Join(dir, name), filepath.Join(backup, name)
		if err := osfs.Rename(final, aside); err != nil {
			return err
		}
		crashPoint("moved aside " + name)
		undo = append(undo, func() error { return osfs.Rename(aside, final) })
		return nil
	}
	for _, name := range staleNames {
		if err := moveAside(name); err != nil {
			return err
		}
	}
	for _, f := range files {
		name := filepath.Base(f.Path())
		final, aside := f.Path(), filepath.Join(backup, name)
		kept := false
		if !slices.Contains(j.Fresh, name) {
			switch err := osfs.Link(final, aside); {
			case err == nil:
				kept = true
				crashPoint("kept " + name)
			case errors.Is(err, fs.ErrNotExist): // gone meanwhile: nothing to keep
			default:
				if err := moveAside(name); err != nil {
					return err
				}
			}
		}
		if err := f.Place(); err != nil {
			return err
		}
		crashPoint("renamed " + name)
		undo = append(undo, func() error {
			if kept {
				return osfs.Rename(aside, final)
			}
			return osfs.Remove(final)
		})
	}
	if err := atomicfile.SyncDir(dir); err != nil {
		return err
	}
	crashPoint("synced")
	return nil
}

// journalName is the file in a commit's backup folder that says what the
// commit does, written before it renames anything.
const journalName = "journal.json"

// journal is what a commit does: which run it puts in place, its files
// (the manifest last, and the manifest's SHA-256: once that file is in
// place the commit is done), which of their names held no file before, and
// the stale files it moves aside.
type journal struct {
	RunID    string   `json:"run_id"`
	Files    []string `json:"files"`
	Manifest string   `json:"manifest_sha256"`
	Fresh    []string `json:"fresh"`
	Stale    []string `json:"stale"`
}

func fileSHA256(path string) (string, error) {
	data, err := inputfile.Read(path, maxManifestBytes)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), nil
}

func (j journal) write(backup string) error {
	data, err := json.Marshal(j)
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(backup, journalName), func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// recoverCommit finishes what a commit that died (kill -9, a power cut)
// left in backup: when its manifest, the last file it puts in place, is
// there (the very bytes), the commit had completed and the backup only
// goes; otherwise every earlier file goes back from the backup (a file it
// had not reached yet is still in place) and every file under a name that
// was free goes, so the folder holds the earlier run, whole. Without a
// journal the commit had moved nothing yet.
func recoverCommit(dir, backup string) error {
	data, err := os.ReadFile(filepath.Join(backup, journalName))
	var j journal
	if err != nil || json.Unmarshal(data, &j) != nil || len(j.Files) == 0 {
		return osfs.RemoveAll(backup)
	}
	manifest := j.Files[len(j.Files)-1]
	if sum, err := fileSHA256(filepath.Join(dir, manifest)); err == nil && sum == j.Manifest {
		return osfs.RemoveAll(backup)
	}
	entries, err := osfs.ReadDir(backup)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if name := e.Name(); name != journalName && !strings.HasPrefix(name, ".") {
			if err := osfs.Rename(filepath.Join(backup, name), filepath.Join(dir, name)); err != nil {
				return err
			}
		}
	}
	for _, name := range j.Fresh {
		if err := osfs.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	if err := atomicfile.SyncDir(dir); err != nil {
		return err
	}
	return osfs.RemoveAll(backup)
}

// crashPoint is where a commit may be cut short; the kill test (killtest_test.go)
// sets it to kill the process at the n-th point.
var crashPoint = func(string) {}
