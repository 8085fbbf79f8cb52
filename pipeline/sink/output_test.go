package sink

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	_ "github.com/duckdb/duckdb-go/v2"
)

func sampleStarted() *time.Time {
	t := time.Date(2026, 11, 21, 9, 30, 15, 0, time.UTC)
	return &t
}

func sampleRows() ([]CallRow, [][]HitRow, [][]IntervalRow, [][]UtteranceRow) {
	started := *sampleStarted()
	calls := []CallRow{
		{CallID: "c1", AudioPath: ptr("a/c1.wav"), AgentID: ptr("1086"), Team: ptr("北京一组"), StartedAt: &started,
			SchemaVersion: SchemaVersion, LexiconVersion: "lex@1+abc", DurationS: ptr(32.5), SampleRate: ptr(int32(8000)),
			Channels: ptr(int32(2)), DeadAirCount: ptr(int32(1)), GreetingOK: ptr(true), Score: ptr(90.0), Passed: ptr(true),
			NeedsReview: true, ReviewReasons: []string{"no_speech"}, Warnings: []string{"w1", "w2"}},
		{CallID: "c2", SchemaVersion: SchemaVersion, LexiconVersion: "lex@1+abc", ReviewReasons: []string{}, Warnings: []string{}, Error: ptr("audio: bad")},
	}
	hits := [][]HitRow{
		{{CallID: "c1", RuleID: "opening.greeting", Kind: "required", Category: "greeting", Severity: "major",
			Speaker: "agent", StartS: ptr(0.0), EndS: ptr(15.0), Penalty: 10}},
		nil,
	}
	intervals := [][]IntervalRow{
		{
			{CallID: "c1", Kind: "speech", Party: ptr("agent"), Source: "recording", StartS: 0.5, EndS: 3.25},
			{CallID: "c1", Kind: "speech", Party: ptr("customer"), Source: "recording", StartS: 3, EndS: 6},
			{CallID: "c1", Kind: "silence", Source: "recording", StartS: 6, EndS: 9.5},
			{CallID: "c1", Kind: "overtalk", Source: "recording", StartS: 3, EndS: 3.25, StartedBy: ptr("customer"), Interruption: ptr(false)},
		},
		nil,
	}
	utterances := [][]UtteranceRow{
		{
			{CallID: "c1", SegmentIndex: 0, Speaker: "agent", StartS: ptr(0.5), EndS: ptr(3.25), Text: "您好，請問", Normalized: "您好请问"},
			{CallID: "c1", SegmentIndex: 1, Speaker: "customer", StartS: ptr(3.0), EndS: ptr(6.0), Text: "我想退款", Normalized: "我想退款"},
		},
		nil,
	}
	return calls, hits, intervals, utterances
}

// sampleRun is the run the sample rows are written as.
func sampleRun(p Part) Run {
	return Run{Part: p, LexiconVersion: "lex@1+abc", Settings: map[string]string{"agent_channel": "left"}, Callqa: "test", CallsFound: 2}
}

// writePart writes rows i of the sample (all when i < 0) as part p of run.
func writePart(t testing.TB, dir string, run Run, i int) {
	t.Helper()
	w, err := Create(context.Background(), dir, run)
	if err != nil {
		t.Fatal(err)
	}
	calls, hits, intervals, utterances := sampleRows()
	for j := range calls {
		if i < 0 || i == j {
			if err := w.write(calls[j], hits[j], intervals[j], utterances[j]); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func writeSample(t testing.TB, dir string) {
	t.Helper()
	writePart(t, dir, sampleRun(Whole), -1)
}

// sampleDB writes the sample rows into a new folder and opens DuckDB.
func sampleDB(t *testing.T) (string, *sql.DB) {
	t.Helper()
	dir := t.TempDir()
	writeSample(t, dir)
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return dir, db
}

func TestWriteReadBackWithDuckDB(t *testing.T) {
	dir, db := sampleDB(t)

	var (
		id, team, agent, started, lexVersion string
		duration, score                      float64
		rate, deadAir                        int
		warnings                             string
		greeting, passed                     bool
		transcript                           sql.NullString
		talk                                 sql.NullFloat64
	)
	err := db.QueryRow(`SELECT call_id, team, agent_id, strftime(started_at, '%Y-%m-%d %H:%M:%S'), lexicon_version,
		duration_s, score, sample_rate, dead_air_count, array_to_string(warnings, '|'), greeting_ok, passed,
		transcript_path, agent_talk_s
		FROM read_parquet(?) WHERE call_id = 'c1'`, filepath.Join(dir, "calls.parquet")).
		Scan(&id, &team, &agent, &started, &lexVersion, &duration, &score, &rate, &deadAir, &warnings, &greeting, &passed, &transcript, &talk)
	if err != nil {
		t.Fatal(err)
	}
	if team != "北京一组" || agent != "1086" || started != "2026-11-21 09:30:15" || duration != 32.5 || score != 90 ||
		rate != 8000 || deadAir != 1 || warnings != "w1|w2" || !greeting || !passed || transcript.Valid || talk.Valid {
		t.Errorf("row read back: %s %s %s %s %v %v %d %d %q %v %v %v %v", id, team, agent, started, duration, score, rate, deadAir, warnings, greeting, passed, transcript, talk)
	}

	var errMsg string
	var nullScore sql.NullFloat64
	var nWarnings int
	if err := db.QueryRow(`SELECT error, score, len(warnings) FROM read_parquet(?) WHERE call_id = 'c2'`,
		filepath.Join(dir, "calls.parquet")).Scan(&errMsg, &nullScore, &nWarnings); err != nil {
		t.Fatal(err)
	}
	if errMsg != "audio: bad" || nullScore.Valid || nWarnings != 0 {
		t.Errorf("failed call: %q %v %d", errMsg, nullScore, nWarnings)
	}

	var rule string
	var penalty, end float64
	var segIdx sql.NullInt64
	if err := db.QueryRow(`SELECT rule_id, penalty, end_s, segment_index FROM read_parquet(?)`,
		filepath.Join(dir, "hits.parquet")).Scan(&rule, &penalty, &end, &segIdx); err != nil {
		t.Fatal(err)
	}
	if rule != "opening.greeting" || penalty != 10 || end != 15 || segIdx.Valid {
		t.Errorf("hit: %s %v %v %v", rule, penalty, end, segIdx)
	}

	var kinds, parties, startedBy string
	var total float64
	if err := db.QueryRow(`SELECT string_agg(kind, ',' ORDER BY start_s, kind), string_agg(coalesce(party, '-'), ',' ORDER BY start_s, kind),
		string_agg(started_by, ','), sum(end_s - start_s) FILTER (kind = 'speech')
		FROM read_parquet(?) WHERE call_id = 'c1'`, filepath.Join(dir, "intervals.parquet")).Scan(&kinds, &parties, &startedBy, &total); err != nil {
		t.Fatal(err)
	}
	if kinds != "speech,overtalk,speech,silence" || parties != "agent,-,customer,-" || startedBy != "customer" || total != 5.75 {
		t.Errorf("intervals read back: %s / %s / %s / %v", kinds, parties, startedBy, total)
	}

	var meta string
	if err := db.QueryRow(`SELECT decode(value) FROM parquet_kv_metadata(?) WHERE decode(key) = 'callqa.lexicon_version'`,
		filepath.Join(dir, "calls.parquet")).Scan(&meta); err != nil {
		t.Fatal(err)
	}
	if meta != "lex@1+abc" {
		t.Errorf("metadata %q", meta)
	}
}

func TestDeterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	writeSample(t, a)
	writeSample(t, b)
	for _, name := range []string{"calls.parquet", "hits.parquet", "intervals.parquet", "utterances.parquet", "run.json"} {
		x, _ := os.ReadFile(filepath.Join(a, name))
		y, _ := os.ReadFile(filepath.Join(b, name))
		if len(x) == 0 || !bytes.Equal(x, y) {
			t.Errorf("%s differs between two identical writes", name)
		}
	}
}

func TestNothingVisibleBeforeCommit(t *testing.T) {
	dir := t.TempDir()
	w, err := Create(context.Background(), dir, sampleRun(Whole))
	if err != nil {
		t.Fatal(err)
	}
	calls, hits, intervals, utterances := sampleRows()
	if err := w.write(calls[0], hits[0], intervals[0], utterances[0]); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"calls.parquet", "hits.parquet", "intervals.parquet", "utterances.parquet", "run.json"} {
		if _, err := os.Stat(filepath.Join(dir, name)); !os.IsNotExist(err) {
			t.Errorf("%s exists before Commit", name)
		}
	}
	w.Abort()
	if entries := visible(t, dir); len(entries) != 0 {
		t.Errorf("Abort left %v", entries)
	}
	if err := w.Commit(context.Background()); err == nil {
		t.Error("Commit after Abort succeeded")
	}
}

// visible lists the files in dir but the folder's lock, which stays.
func visible(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if e.Name() != folderLock {
			names = append(names, e.Name())
		}
	}
	return names
}

// TestHitRowsCarryContext: a hit in a huge utterance carries the text
// around its match, not all of it (issue 24: a 30 MB line, once per hit).
func TestHitRowsCarryContext(t *testing.T) {
	long := strings.Repeat("很长的一句话", 50000) + "这是规定" + strings.Repeat("后面还有", 50000)
	got := hitContext(long, "这是规定")
	if !strings.Contains(got, "这是规定") || utf8.RuneCountInString(got) > 2*contextRunes+10 ||
		!strings.HasPrefix(got, "…") || !strings.HasSuffix(got, "…") {
		t.Errorf("context of %d runes: %.80q…", utf8.RuneCountInString(got), got)
	}
	if short := "您好，这是规定。"; hitContext(short, "这是规定") != short {
		t.Error("a short utterance is cut")
	}
	if got := hitContext(long, ""); utf8.RuneCountInString(got) > contextRunes+2 || !strings.HasPrefix(got, "很长") {
		t.Errorf("without a match: %.40q", got)
	}
}
