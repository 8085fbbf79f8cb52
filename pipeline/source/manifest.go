package source

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/callqa/callqa/internal/inputfile"
)

// Manifest columns (CSV header names, JSONL keys).
var manifestColumns = []string{"call_id", "audio", "transcript", "agent_id", "team", "started_at", "agent_channel"}

// manifestEntry is one call as a manifest names it.
type manifestEntry struct {
	CallID       string `json:"call_id"`
	Audio        string `json:"audio"`
	Transcript   string `json:"transcript"`
	AgentID      string `json:"agent_id"`
	Team         string `json:"team"`
	StartedAt    string `json:"started_at"`
	AgentChannel string `json:"agent_channel"`
}

// ReadManifest reads the calls a manifest names: CSV with a header row, or
// JSON Lines (one object a line), told apart by the first character. Paths
// are relative to the manifest's folder. A line that cannot be read at all
// is an error naming it; a call whose fields are wrong (a bad time, no
// file) gets an error in its row instead, so the rest of the night goes on;
// a started_at that is not a time is only a warning (the call is checked,
// its started_at is null). A manifest must be a regular file of at most
// 512 MB.
func ReadManifest(path string) ([]Call, error) {
	data, err := inputfile.Read(path, maxManifestSize)
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	return parseManifest(path, data)
}

// maxManifestSize caps a manifest: a million calls fit in well under it.
const maxManifestSize = 512 << 20

func parseManifest(path string, data []byte) ([]Call, error) {
	var err error
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	var entries []manifestEntry
	var lines []int
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '{' {
		entries, lines, err = readJSONL(data)
	} else {
		entries, lines, err = readCSV(data)
	}
	if err != nil {
		return nil, fmt.Errorf("manifest %s: %w", path, err)
	}
	if len(entries) == 0 {
		return nil, fmt.Errorf("manifest %s: no calls", path)
	}
	base := filepath.Dir(path)
	calls := make([]Call, len(entries))
	for i, e := range entries {
		if strings.TrimSpace(e.CallID) == "" {
			return nil, fmt.Errorf("manifest %s:%d: call_id is empty", path, lines[i])
		}
		calls[i] = e.call(base, fmt.Sprintf("manifest %s:%d", path, lines[i]))
	}
	return calls, nil
}

func (e manifestEntry) call(base, where string) Call {
	resolve := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(base, p)
	}
	c := Call{
		ID: strings.TrimSpace(e.CallID), AudioPath: resolve(e.Audio), TranscriptPath: resolve(e.Transcript),
		AgentID: e.AgentID, Team: e.Team,
	}
	var problems []string
	if c.AudioPath == "" && c.TranscriptPath == "" {
		problems = append(problems, "names neither audio nor transcript")
	}
	ch, err := ParseChannel(e.AgentChannel)
	if err != nil {
		problems = append(problems, fmt.Sprintf("agent_channel %q is not left or right", e.AgentChannel))
	}
	c.AgentChannel = ch
	if s := strings.TrimSpace(e.StartedAt); s != "" {
		t, err := parseTime(s)
		if err != nil {
			c.Warnings = append(c.Warnings, fmt.Sprintf("%s: %v: started_at left empty", where, err))
		} else {
			c.StartedAt = &t
		}
	}
	if len(problems) > 0 {
		c.Err = fmt.Errorf("%s: %s", where, strings.Join(problems, "; "))
	}
	return c
}

// parseTime reads RFC 3339 ("2026-11-21T09:30:15+08:00"); without a zone
// ("2026-11-21 09:30:15") the time is taken as UTC, as the README says: a
// guess at the call center's zone would be silently wrong elsewhere.
func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("started_at %q is not a time like 2026-11-21T09:30:15+08:00", s)
}

func readCSV(data []byte) ([]manifestEntry, []int, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("line 1: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	if _, ok := col["call_id"]; !ok {
		return nil, nil, fmt.Errorf("line 1: the header has no call_id column (columns: %s)", strings.Join(manifestColumns, ", "))
	}
	var entries []manifestEntry
	var lines []int
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, err // csv errors name the line
		}
		line, _ := r.FieldPos(0)
		if len(rec) != len(header) {
			return nil, nil, fmt.Errorf("line %d: %d fields, the header has %d", line, len(rec), len(header))
		}
		get := func(name string) string {
			if i, ok := col[name]; ok {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		entries = append(entries, manifestEntry{
			CallID: get("call_id"), Audio: get("audio"), Transcript: get("transcript"), AgentID: get("agent_id"),
			Team: get("team"), StartedAt: get("started_at"), AgentChannel: get("agent_channel"),
		})
		lines = append(lines, line)
	}
	return entries, lines, nil
}

func readJSONL(data []byte) ([]manifestEntry, []int, error) {
	var entries []manifestEntry
	var lines []int
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var e manifestEntry
		if err := json.Unmarshal(line, &e); err != nil {
			return nil, nil, fmt.Errorf("line %d: %w", n, err)
		}
		entries = append(entries, e)
		lines = append(lines, n)
	}
	return entries, lines, sc.Err()
}

// MarkDuplicates sorts calls by id (then path) and gives every call whose
// id was already taken an error: a duplicate is reported, never merged or
// silently dropped.
func MarkDuplicates(calls []Call) {
	slices.SortStableFunc(calls, func(a, b Call) int {
		return strings.Compare(a.ID, b.ID)
	})
	for i := 1; i < len(calls); i++ {
		if calls[i].ID == calls[i-1].ID && calls[i].Err == nil {
			first := i - 1
			for first > 0 && calls[first-1].ID == calls[i].ID {
				first--
			}
			calls[i].Err = fmt.Errorf("duplicate call id %q: already found at %s", calls[i].ID, calls[first].path())
		}
	}
}
