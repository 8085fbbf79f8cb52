package sink

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"

	"github.com/callqa/callqa/internal/inputfile"
)

// Run describes the run a Writer writes one part of.
type Run struct {
	Part Part
	// LexiconVersion and Settings (the agent channel, the role words: what
	// else shapes the rows) are the same in every part of one run; with
	// the schema version and the shard count they make the run's id. They
	// are stored in every Parquet footer too, as callqa.<key>.
	LexiconVersion string
	Settings       map[string]string
	// Callqa is callqa's version; CallsFound the calls the whole run found
	// before sharding (each shard finds them all), and CallsDigest a digest
	// of them (CallsDigest): tonight's shard 0 is not last night's shard 1.
	Callqa      string
	CallsFound  int
	CallsDigest string
}

// CallsDigest is a digest of the calls a run found, before sharding: each
// call's id and files, in any order. Every shard of a run finds the same
// calls, so it is the same in every part, and a rerun over the same files
// keeps its run id.
func CallsDigest(calls [][3]string) string {
	lines := make([]string, len(calls))
	for i, c := range calls {
		lines[i] = strings.Join(c[:], "\x00")
	}
	slices.Sort(lines)
	h := sha256.New()
	for _, l := range lines {
		fmt.Fprintf(h, "%s\n", l)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// ID identifies the run: parts with the same id belong together, whatever
// the shard, machine or day that wrote them; any other part in the folder
// is from another run and is replaced. It is derived, not drawn, so that a
// rerun writes byte-identical files.
func (r Run) ID() string {
	h := sha256.New()
	fmt.Fprintf(h, "schema_version=%d\nshards=%d\nlexicon_version=%s\ncalls=%s\n", SchemaVersion, r.Part.Count, r.LexiconVersion, r.CallsDigest)
	for _, k := range slices.Sorted(maps.Keys(r.Settings)) {
		fmt.Fprintf(h, "%s=%s\n", k, r.Settings[k])
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// Manifest is a part's run.json (run-<i>-of-<n>.json for a shard): what
// the part wrote. The commit renames it into place last, and report reads
// only the files the manifests name, checked against them.
type Manifest struct {
	RunID          string            `json:"run_id"`
	ShardIndex     int               `json:"shard_index"`
	ShardCount     int               `json:"shard_count"`
	SchemaVersion  int               `json:"schema_version"`
	LexiconVersion string            `json:"lexicon_version"`
	Settings       map[string]string `json:"settings"`
	Callqa         string            `json:"callqa_version"`
	CallsFound     int               `json:"calls_found"`
	CallsDigest    string            `json:"calls_digest"`
	Files          []ManifestFile    `json:"files"`
}

// ManifestFile is one file of a part.
type ManifestFile struct {
	Table string `json:"table"`
	Name  string `json:"name"`
	Rows  int64  `json:"rows"`
	Bytes int64  `json:"bytes"`
}

// Part is the part the manifest describes.
func (m *Manifest) Part() Part { return Part{Index: m.ShardIndex, Count: m.ShardCount} }

func (m *Manifest) file(table string) (ManifestFile, bool) {
	for _, f := range m.Files {
		if f.Table == table {
			return f, true
		}
	}
	return ManifestFile{}, false
}

func (m *Manifest) encode() []byte {
	b, _ := json.MarshalIndent(m, "", "  ") // plain data: cannot fail
	return append(b, '\n')
}

// maxManifestBytes bounds a manifest read: a few hundred bytes are written.
const maxManifestBytes = 1 << 20

// errForeign marks a file with a run manifest's name that callqa did not
// write: it is refused, never replaced.
var errForeign = errors.New("not a run manifest")

// readManifest reads and checks the manifest at path, written for part.
// It reads only a regular file, without blocking (a FIFO named run.json
// must not hang a run that holds the folder's lock).
func readManifest(path string, part Part) (*Manifest, error) {
	data, err := inputfile.Read(path, maxManifestBytes)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %w", errForeign, err)
	}
	var m Manifest // fields a later callqa adds are ignored; SchemaVersion says what matters
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s: %w: %w", path, errForeign, err)
	}
	switch {
	case m.RunID == "":
		return nil, fmt.Errorf("%s: %w: no run_id", path, errForeign)
	case m.Part() != part:
		return nil, fmt.Errorf("%s: the manifest of shard %s under the name of shard %s", path, m.Part(), part)
	case m.SchemaVersion != SchemaVersion:
		return nil, fmt.Errorf("%s: schema version %d, this callqa reads %d: rerun callqa run", path, m.SchemaVersion, SchemaVersion)
	}
	names := part.Names()
	want := map[string]string{"calls": names.Calls, "hits": names.Hits, "intervals": names.Intervals, "utterances": names.Utterances}
	for _, file := range m.Files {
		if want[file.Table] != file.Name {
			return nil, fmt.Errorf("%s: unexpected file %q (%s)", path, file.Name, file.Table)
		}
		delete(want, file.Table)
	}
	if len(want) > 0 {
		return nil, fmt.Errorf("%s: names no %s", path, strings.Join(slices.Sorted(maps.Keys(want)), ", "))
	}
	return &m, nil
}
