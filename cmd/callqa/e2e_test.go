package main

import (
	"database/sql"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/callqa/callqa/internal/samplegen"
	"github.com/callqa/callqa/pipeline/sink"
	"github.com/callqa/callqa/pipeline/stage/vad"
)

// truth is what the turns of a sample say, computed on a 1 ms grid,
// independently of callqa's interval code.
type truth struct {
	agentTalk, customerTalk, silence, longestSilence, overtalk float64
	silences                                                   []float64 // each silence, in call order
	latencies                                                  []float64 // agent response latencies
}

// computeTruth computes the truth of a sample. What callqa measures on a
// recording is speech as its detector finds it,
// which widens each turn by vad.PadS before and vad.HangS after (as hand
// labels of real speech run past the level edges of words): the truth of a
// measure that comes from the recording (silence always; talk, overtalk and
// latency on stereo) uses the turns widened as much.
func computeTruth(s samplegen.Sample, overtalkMinS float64) truth {
	const step = 0.001
	var tr truth
	widened := func(from bool) []samplegen.Turn {
		turns := slices.Clone(s.Turns)
		if from && !s.NoAudio {
			for i := range turns {
				turns[i].Start -= vad.PadS
				turns[i].End += vad.HangS
			}
		}
		return turns
	}
	audio, parties := widened(true), widened(s.Channels == 2)
	first, last := math.Inf(1), 0.0
	for _, t := range audio {
		first, last = min(first, t.Start), max(last, t.End)
	}
	in := func(turns []samplegen.Turn, who string, at float64) bool {
		return slices.ContainsFunc(turns, func(t samplegen.Turn) bool {
			return t.Speaker == who && at >= t.Start && at < t.End
		})
	}
	speaking := func(who string, at float64) bool { return in(parties, who, at) }
	gap, both := 0.0, 0.0
	for i := 0; float64(i)*step < s.DurationS; i++ {
		at := (float64(i) + 0.5) * step
		a, c := speaking("agent", at), speaking("customer", at)
		if a {
			tr.agentTalk += step
		}
		if c {
			tr.customerTalk += step
		}
		if !in(audio, "agent", at) && !in(audio, "customer", at) && at > first && at < last {
			tr.silence += step
			gap += step
			tr.longestSilence = max(tr.longestSilence, gap)
		} else {
			if gap > 0 {
				tr.silences = append(tr.silences, gap)
			}
			gap = 0
		}
		if a && c {
			both += step
		} else {
			if both >= overtalkMinS {
				tr.overtalk += both
			}
			both = 0
		}
	}
	// Latency: a customer turn ends while the agent is silent, and the
	// agent speaks next.
	for _, c := range parties {
		if c.Speaker != "customer" || speaking("agent", c.End-step/2) {
			continue
		}
		next, nextCustomer := math.Inf(1), math.Inf(1)
		for _, t := range parties {
			if t.Speaker == "agent" && t.Start >= c.End {
				next = min(next, t.Start)
			}
			if t.Speaker == "customer" && t.Start > c.End {
				nextCustomer = min(nextCustomer, t.Start)
			}
		}
		if !math.IsInf(next, 1) && next < nextCustomer {
			tr.latencies = append(tr.latencies, next-c.End)
		}
	}
	return tr
}

// nearestRank is the p-th percentile of values by the nearest-rank method.
func nearestRank(values []float64, p float64) float64 {
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	return sorted[int(math.Ceil(p*float64(len(sorted))))-1]
}

// runCallqa runs the command in-process and returns its exit code and stderr.
func runCallqa(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var stderr strings.Builder
	code := run(args, io.Discard, &stderr)
	return code, stderr.String()
}

func openDuckDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// callRow is the calls.parquet row as DuckDB reads it.
type callRow struct {
	audioPath, transcriptPath, errMsg                              sql.NullString
	duration, agentTalk, customerTalk, silence, ratio, longest     sql.NullFloat64
	overtalk, agentRate, customerRate, score                       sql.NullFloat64
	silP50, silP90, latP50, latP90, latMax                         sql.NullFloat64
	agentDB, customerDB, agentClip, customerClip                   sql.NullFloat64
	sampleRate, channels, deadAir, overtalkCount, intAgent, intCus sql.NullInt64
	bannedCount                                                    sql.NullInt64
	greetingOK, closingOK, passed                                  sql.NullBool
	schemaVersion                                                  int
	lexiconVersion                                                 string
	warnings                                                       int
}

func readCalls(t *testing.T, db *sql.DB, dir string) map[string]callRow {
	t.Helper()
	rows, err := db.Query(`SELECT call_id, audio_path, transcript_path, error, duration_s, agent_talk_s,
		customer_talk_s, silence_s, silence_ratio, longest_silence_s, overtalk_s, agent_speech_rate_cpm,
		customer_speech_rate_cpm, score, sample_rate, channels, dead_air_count, overtalk_count,
		interruptions_by_agent, interruptions_by_customer, banned_count, greeting_ok, closing_ok, passed,
		schema_version, lexicon_version, len(warnings),
		silence_p50_s, silence_p90_s, response_latency_p50_s, response_latency_p90_s, response_latency_max_s,
		agent_speech_dbfs, customer_speech_dbfs, agent_clipping_ratio, customer_clipping_ratio
		FROM read_parquet(?) ORDER BY call_id`, filepath.Join(dir, "calls*.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]callRow{}
	for rows.Next() {
		var id string
		var r callRow
		err := rows.Scan(&id, &r.audioPath, &r.transcriptPath, &r.errMsg, &r.duration, &r.agentTalk,
			&r.customerTalk, &r.silence, &r.ratio, &r.longest, &r.overtalk, &r.agentRate,
			&r.customerRate, &r.score, &r.sampleRate, &r.channels, &r.deadAir, &r.overtalkCount,
			&r.intAgent, &r.intCus, &r.bannedCount, &r.greetingOK, &r.closingOK, &r.passed,
			&r.schemaVersion, &r.lexiconVersion, &r.warnings,
			&r.silP50, &r.silP90, &r.latP50, &r.latP90, &r.latMax,
			&r.agentDB, &r.customerDB, &r.agentClip, &r.customerClip)
		if err != nil {
			t.Fatal(err)
		}
		out[id] = r
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

type hitRow struct {
	rule, kind, speaker string
	start               float64
	matched, text       sql.NullString
	penalty             float64
	value               sql.NullFloat64
	evidence            int // lines of evidence
}

func readHits(t *testing.T, db *sql.DB, dir string) map[string][]hitRow {
	t.Helper()
	rows, err := db.Query(`SELECT call_id, rule_id, kind, speaker, start_s, matched, text, penalty, value,
		coalesce(len(evidence), 0) FROM read_parquet(?)`, filepath.Join(dir, "hits*.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][]hitRow{}
	for rows.Next() {
		var id string
		var h hitRow
		if err := rows.Scan(&id, &h.rule, &h.kind, &h.speaker, &h.start, &h.matched, &h.text, &h.penalty, &h.value, &h.evidence); err != nil {
			t.Fatal(err)
		}
		out[id] = append(out[id], h)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func within(t *testing.T, call, what string, got sql.NullFloat64, want, tol float64) {
	t.Helper()
	if !got.Valid {
		t.Errorf("%s: %s is null, want %.3f", call, what, want)
		return
	}
	if math.Abs(got.Float64-want) > tol {
		t.Errorf("%s: %s = %.3f, want %.3f ± %.3f", call, what, got.Float64, want, tol)
	}
}

func equalInt(t *testing.T, call, what string, got sql.NullInt64, want int) {
	t.Helper()
	if !got.Valid || got.Int64 != int64(want) {
		t.Errorf("%s: %s = %v, want %d", call, what, got, want)
	}
}

func equalBool(t *testing.T, call, what string, got sql.NullBool, want bool) {
	t.Helper()
	if !got.Valid || got.Bool != want {
		t.Errorf("%s: %s = %v, want %v", call, what, got, want)
	}
}

// TestRunSamples runs callqa over the sample calls and the broken inputs and
// checks the Parquet output, read back with DuckDB, value by value against
// what the samples were built to contain.
func TestRunSamples(t *testing.T) {
	t.Parallel() // beside the scripts: each builds its own jieba
	out := t.TempDir()
	code, stderr := runCallqa(t, "run", "../../testdata/calls", "../../testdata/broken", "--out", out, "--workers", "2")
	if code != exitCallsFailed {
		t.Fatalf("exit code %d, want %d (some calls broken); stderr:\n%s", code, exitCallsFailed, stderr)
	}
	db := openDuckDB(t)
	calls := readCalls(t, db, out)
	hits := readHits(t, db, out)

	samples := samplegen.Calls()
	if want := len(samples) + len(samplegen.Broken); len(calls) != want {
		t.Fatalf("%d call rows, want %d", len(calls), want)
	}
	for _, s := range samples {
		row, ok := calls[s.Name]
		if !ok {
			t.Errorf("%s: no row", s.Name)
			continue
		}
		if row.errMsg.Valid {
			t.Errorf("%s: error %q", s.Name, row.errMsg.String)
			continue
		}
		checkSample(t, s, row, hits[s.Name])
	}
	// The mu-law call's agent was rendered 12 dB quieter than in the clean
	// call: the measured speech level says so.
	if clean, quiet := calls["clean"].agentDB, calls["mulaw-noisy"].agentDB; math.Abs(quiet.Float64-clean.Float64+12) > 1.5 {
		t.Errorf("agent speech %.1f dBFS, clean call %.1f dBFS: want 12 dB apart", quiet.Float64, clean.Float64)
	}
	checkIntervalSums(t, db, out, len(samples)) // the transcript-only call's from its times
	for name := range samplegen.Broken {
		id := strings.TrimSuffix(name, filepath.Ext(name))
		row := calls[id]
		if !row.errMsg.Valid || row.errMsg.String == "" {
			t.Errorf("%s: broken input has no error", id)
		}
		if row.score.Valid || len(hits[id]) > 0 {
			t.Errorf("%s: a failed call has a score or hits", id)
		}
		if !strings.Contains(stderr, id) {
			t.Errorf("%s: failure not in the summary:\n%s", id, stderr)
		}
	}
}

// checkIntervalSums: every call row's talk, silence and overtalk figures
// are exactly the sums and counts of its rows in intervals.parquet, and
// wantCalls calls have intervals.
func checkIntervalSums(t *testing.T, db *sql.DB, dir string, wantCalls int) {
	t.Helper()
	rows, err := db.Query(`
WITH i AS (
  SELECT call_id,
    coalesce(sum(end_s - start_s) FILTER (kind = 'speech' AND party = 'agent'), 0) AS agent_talk,
    coalesce(sum(end_s - start_s) FILTER (kind = 'speech' AND party = 'customer'), 0) AS customer_talk,
    coalesce(sum(end_s - start_s) FILTER (kind = 'silence'), 0) AS silence,
    max(end_s - start_s) FILTER (kind = 'silence') AS longest_silence,
    count(*) FILTER (kind = 'silence' AND end_s - start_s >= 5) AS dead_air,
    coalesce(sum(end_s - start_s) FILTER (kind = 'overtalk'), 0) AS overtalk,
    count(*) FILTER (kind = 'overtalk') AS overtalks,
    count(*) FILTER (kind = 'overtalk' AND started_by = 'agent' AND interruption) AS by_agent,
    count(*) FILTER (kind = 'overtalk' AND started_by = 'customer' AND interruption) AS by_customer
  FROM read_parquet(?) GROUP BY call_id)
SELECT c.call_id, c.agent_talk_s - i.agent_talk, c.customer_talk_s - i.customer_talk, c.silence_s - i.silence,
  coalesce(c.longest_silence_s, 0) - coalesce(i.longest_silence, 0),
  c.dead_air_count - i.dead_air, c.overtalk_s - i.overtalk, c.overtalk_count - i.overtalks,
  c.interruptions_by_agent - i.by_agent, c.interruptions_by_customer - i.by_customer
FROM read_parquet(?) c JOIN i USING (call_id) ORDER BY c.call_id`,
		filepath.Join(dir, "intervals*.parquet"), filepath.Join(dir, "calls*.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id string
		var d [9]float64
		if err := rows.Scan(&id, &d[0], &d[1], &d[2], &d[3], &d[4], &d[5], &d[6], &d[7], &d[8]); err != nil {
			t.Fatal(err)
		}
		n++
		for i, what := range []string{"agent talk", "customer talk", "silence", "longest silence", "dead air", "overtalk", "overtalk count", "agent interruptions", "customer interruptions"} {
			if math.Abs(d[i]) > 1e-9 {
				t.Errorf("%s: %s differs from its intervals by %g", id, what, d[i])
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != wantCalls {
		t.Errorf("%d calls have intervals, want %d", n, wantCalls)
	}
}

func checkSample(t *testing.T, s samplegen.Sample, row callRow, hits []hitRow) {
	t.Helper()
	w := s.Want
	tr := computeTruth(s, 1.0)
	name := s.Name
	t.Logf("%s: talk %.2f/%.2f (truth %.2f/%.2f) silence %.2f (%.2f) longest %.2f (%.2f) overtalk %.2f (%.2f) score %.0f",
		name, row.agentTalk.Float64, row.customerTalk.Float64, tr.agentTalk, tr.customerTalk,
		row.silence.Float64, tr.silence, row.longest.Float64, tr.longestSilence, row.overtalk.Float64, tr.overtalk, row.score.Float64)
	if row.schemaVersion != sink.SchemaVersion || !strings.HasPrefix(row.lexiconVersion, "callqa-default-zh-CN@") || !strings.Contains(row.lexiconVersion, "+model.") {
		t.Errorf("%s: schema %d lexicon %q", name, row.schemaVersion, row.lexiconVersion)
	}
	if s.NoAudio {
		// Talk, silence and overtalk come from the transcript's times; the
		// recording's own figures stay null.
		if row.audioPath.Valid || row.duration.Valid || row.sampleRate.Valid || row.agentDB.Valid || row.agentClip.Valid ||
			!row.silence.Valid || !row.agentTalk.Valid || !row.overtalkCount.Valid {
			t.Errorf("%s: transcript-only call has the wrong audio values: %+v", name, row)
		}
		within(t, name, "agent_speech_rate_cpm", row.agentRate, hanPerMinute(s, "agent", tr.agentTalk), 0.5)
	} else {
		within(t, name, "duration_s", row.duration, s.DurationS, 1e-9)
		equalInt(t, name, "sample_rate", row.sampleRate, s.SampleRate)
		equalInt(t, name, "channels", row.channels, s.Channels)
		within(t, name, "agent_talk_s", row.agentTalk, tr.agentTalk, 0.03*tr.agentTalk)
		within(t, name, "customer_talk_s", row.customerTalk, tr.customerTalk, 0.03*tr.customerTalk)
		within(t, name, "silence_s", row.silence, tr.silence, 0.25)
		within(t, name, "silence_ratio", row.ratio, tr.silence/s.DurationS, 0.25/s.DurationS)
		within(t, name, "longest_silence_s", row.longest, tr.longestSilence, 0.1)
		within(t, name, "overtalk_s", row.overtalk, tr.overtalk, 0.1*float64(max(1, w.OvertalkCount))) // 0.1 s an episode
		equalInt(t, name, "dead_air_count", row.deadAir, w.DeadAirCount)
		equalInt(t, name, "overtalk_count", row.overtalkCount, w.OvertalkCount)
		equalInt(t, name, "interruptions_by_agent", row.intAgent, w.InterruptionsByAgent)
		equalInt(t, name, "interruptions_by_customer", row.intCus, w.InterruptionsByCustomer)
		within(t, name, "agent_speech_rate_cpm", row.agentRate, hanPerMinute(s, "agent", tr.agentTalk), 0.03*hanPerMinute(s, "agent", tr.agentTalk))
		within(t, name, "customer_speech_rate_cpm", row.customerRate, hanPerMinute(s, "customer", tr.customerTalk), 0.03*hanPerMinute(s, "customer", tr.customerTalk))
		within(t, name, "silence_p50_s", row.silP50, nearestRank(tr.silences, 0.5), 0.1)
		within(t, name, "silence_p90_s", row.silP90, nearestRank(tr.silences, 0.9), 0.1)
		within(t, name, "response_latency_p50_s", row.latP50, nearestRank(tr.latencies, 0.5), 0.1)
		within(t, name, "response_latency_p90_s", row.latP90, nearestRank(tr.latencies, 0.9), 0.1)
		within(t, name, "response_latency_max_s", row.latMax, slices.Max(tr.latencies), 0.1)
		if s.Channels == 2 {
			within(t, name, "agent_clipping_ratio", row.agentClip, 0, 0)
			within(t, name, "customer_clipping_ratio", row.customerClip, 0, 0)
			if !row.agentDB.Valid || !row.customerDB.Valid || row.agentDB.Float64 > -10 || row.agentDB.Float64 < -60 {
				t.Errorf("%s: speech levels %v / %v dBFS", name, row.agentDB, row.customerDB)
			}
		} else if row.agentDB.Valid || row.agentClip.Valid {
			t.Errorf("%s: mono recording has per-party levels", name)
		}
	}
	equalBool(t, name, "greeting_ok", row.greetingOK, w.GreetingOK)
	equalBool(t, name, "closing_ok", row.closingOK, w.ClosingOK)
	equalBool(t, name, "passed", row.passed, w.Passed)
	within(t, name, "score", row.score, w.Score, 1e-9)

	var gotRules []string
	var gotPenalties []float64
	banned := 0
	for _, h := range hits {
		gotRules = append(gotRules, h.rule)
		gotPenalties = append(gotPenalties, h.penalty)
		if h.kind == "audio" && (!h.value.Valid || h.matched.Valid) {
			t.Errorf("%s: audio hit without its measured value: %+v", name, h)
		}
		// The dead air runs from 10 to 18 s, less the detector's widening.
		if start, long := 10+vad.HangS, 8-vad.HangS-vad.PadS; h.rule == "audio.dead-air" && (math.Abs(h.start-start) > 0.1 || math.Abs(h.value.Float64-long) > 0.1) {
			t.Errorf("%s: dead air hit at %.2f s of %.2f s, want %.2f s of %.2f s", name, h.start, h.value.Float64, start, long)
		}
		if h.kind == "banned" {
			banned++
			if h.speaker != "agent" || !h.matched.Valid || !strings.Contains(h.text.String, h.matched.String) {
				t.Errorf("%s: banned hit does not quote the agent's words: %+v", name, h)
			}
		}
		if h.kind == "similar" {
			banned++
			if h.speaker != "agent" || !h.value.Valid || h.value.Float64 <= 0 || h.value.Float64 > 1 || h.evidence == 0 {
				t.Errorf("%s: similar hit without its score and evidence: %+v", name, h)
			}
		}
	}
	if !slices.Equal(gotRules, w.Hits) || !slices.Equal(gotPenalties, w.Penalties) {
		t.Errorf("%s: hits %v penalties %v, want %v %v", name, gotRules, gotPenalties, w.Hits, w.Penalties)
	}
	equalInt(t, name, "banned_count", row.bannedCount, banned)
}

// hanPerMinute is the speaker's Chinese characters per minute of talk.
func hanPerMinute(s samplegen.Sample, speaker string, talkS float64) float64 {
	n := 0
	for _, turn := range s.Turns {
		if turn.Speaker == speaker {
			for _, r := range turn.Text {
				if r >= 0x4E00 && r <= 0x9FFF {
					n++
				}
			}
		}
	}
	return float64(n) / (talkS / 60)
}

// TestAgentChannelRight: with --agent-channel right the parties swap.
func TestAgentChannelRight(t *testing.T) {
	t.Parallel() // beside the scripts: each builds its own jieba
	out := t.TempDir()
	clean := "../../testdata/calls/clean.wav"
	if code, stderr := runCallqa(t, "run", clean, "--out", out, "--agent-channel", "right"); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	row := readCalls(t, openDuckDB(t), out)["clean"]
	var s samplegen.Sample
	for _, c := range samplegen.Calls() {
		if c.Name == "clean" {
			s = c
		}
	}
	tr := computeTruth(s, 1)
	within(t, "clean", "agent_talk_s (right)", row.agentTalk, tr.customerTalk, 0.03*tr.customerTalk)
	within(t, "clean", "customer_talk_s (left)", row.customerTalk, tr.agentTalk, 0.03*tr.agentTalk)
}
