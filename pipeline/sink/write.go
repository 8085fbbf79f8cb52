// Package sink is the only place that knows the Parquet files: it turns a
// processed call into rows of calls.parquet, hits.parquet,
// intervals.parquet and utterances.parquet, commits them with a run
// manifest so that a folder holds one run, and reads that run back.
package sink

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/callqa/callqa/internal/atomicfile"
	"github.com/callqa/callqa/internal/osfs"
	"github.com/callqa/callqa/pipeline"
	"github.com/parquet-go/parquet-go/compress/zstd"
)

// SchemaVersion changes whenever a column is added, removed or changes
// meaning.
const SchemaVersion = 3

// CallRow is one row of calls.parquet. Pointers are null where a value does
// not apply (no audio, no transcript, or the call failed).
type CallRow struct {
	CallID         string     `parquet:"call_id"`
	AudioPath      *string    `parquet:"audio_path,optional"`
	TranscriptPath *string    `parquet:"transcript_path,optional"`
	AgentID        *string    `parquet:"agent_id,optional"`
	Team           *string    `parquet:"team,optional"`
	StartedAt      *time.Time `parquet:"started_at,optional,timestamp(millisecond)"`
	SchemaVersion  int32      `parquet:"schema_version"`
	LexiconVersion string     `parquet:"lexicon_version"`

	DurationS               *float64 `parquet:"duration_s,optional"`
	SampleRate              *int32   `parquet:"sample_rate,optional"`
	Channels                *int32   `parquet:"channels,optional"`
	Codec                   *string  `parquet:"codec,optional"`
	Decoder                 *string  `parquet:"decoder,optional"`
	AgentTalkS              *float64 `parquet:"agent_talk_s,optional"`
	CustomerTalkS           *float64 `parquet:"customer_talk_s,optional"`
	SilenceS                *float64 `parquet:"silence_s,optional"`
	SilenceRatio            *float64 `parquet:"silence_ratio,optional"`
	LongestSilenceS         *float64 `parquet:"longest_silence_s,optional"`
	DeadAirCount            *int32   `parquet:"dead_air_count,optional"`
	OvertalkS               *float64 `parquet:"overtalk_s,optional"`
	OvertalkCount           *int32   `parquet:"overtalk_count,optional"`
	InterruptionsByAgent    *int32   `parquet:"interruptions_by_agent,optional"`
	InterruptionsByCustomer *int32   `parquet:"interruptions_by_customer,optional"`
	AgentSpeechRateCPM      *float64 `parquet:"agent_speech_rate_cpm,optional"`
	CustomerSpeechRateCPM   *float64 `parquet:"customer_speech_rate_cpm,optional"`

	SilenceP50S           *float64 `parquet:"silence_p50_s,optional"`
	SilenceP90S           *float64 `parquet:"silence_p90_s,optional"`
	ResponseLatencyP50S   *float64 `parquet:"response_latency_p50_s,optional"`
	ResponseLatencyP90S   *float64 `parquet:"response_latency_p90_s,optional"`
	ResponseLatencyMaxS   *float64 `parquet:"response_latency_max_s,optional"`
	AgentSpeechDBFS       *float64 `parquet:"agent_speech_dbfs,optional"`
	CustomerSpeechDBFS    *float64 `parquet:"customer_speech_dbfs,optional"`
	AgentClippingRatio    *float64 `parquet:"agent_clipping_ratio,optional"`
	CustomerClippingRatio *float64 `parquet:"customer_clipping_ratio,optional"`

	GreetingOK  *bool    `parquet:"greeting_ok,optional"`
	ClosingOK   *bool    `parquet:"closing_ok,optional"`
	BannedCount *int32   `parquet:"banned_count,optional"`
	Score       *float64 `parquet:"score,optional"`
	Passed      *bool    `parquet:"passed,optional"`

	NeedsReview   bool     `parquet:"needs_review"`
	ReviewReasons []string `parquet:"review_reasons,list"`
	Warnings      []string `parquet:"warnings,list"`
	Error         *string  `parquet:"error,optional"`
}

// HitRow is one row of hits.parquet: one rule hit in one call.
type HitRow struct {
	CallID   string `parquet:"call_id"`
	RuleID   string `parquet:"rule_id"`
	Kind     string `parquet:"kind"`
	Category string `parquet:"category"`
	Severity string `parquet:"severity"`
	Speaker  string `parquet:"speaker"`
	// StartS and EndS are the utterance's times, or the window searched
	// for a missing required phrase.
	StartS       *float64 `parquet:"start_s,optional"`
	EndS         *float64 `parquet:"end_s,optional"`
	SegmentIndex *int32   `parquet:"segment_index,optional"`
	Text         *string  `parquet:"text,optional"`
	Matched      *string  `parquet:"matched,optional"`
	// Value is what an audio rule measured: the silence or overtalk in
	// seconds, the talk ratio, the speech rate in characters per minute;
	// for a similar rule, the model's score.
	Value   *float64 `parquet:"value,optional"`
	Penalty float64  `parquet:"penalty"`
	// Evidence are the turns that made the hit fire besides its own: the
	// customer's turn a reply rule answers, a similarity hit's nearest
	// labelled examples.
	Evidence []string `parquet:"evidence,list"`
}

// IntervalRow is one row of intervals.parquet: a stretch of speech,
// silence or overtalk. A call's talk, silence and overtalk figures are sums
// and counts of its rows, so an analyst can check them against labels.
type IntervalRow struct {
	CallID string `parquet:"call_id"`
	Kind   string `parquet:"kind"`
	// Party is whose speech; null for a mono recording's speech, silence
	// and overtalk.
	Party *string `parquet:"party,optional"`
	// Source is what the interval was measured on: the recording's speech
	// detector, or the transcript's times (the parties of a mono call).
	Source string  `parquet:"source"`
	StartS float64 `parquet:"start_s"`
	EndS   float64 `parquet:"end_s"`
	// StartedBy and Interruption are set for overtalk only.
	StartedBy    *string `parquet:"started_by,optional"`
	Interruption *bool   `parquet:"interruption,optional"`
}

// UtteranceRow is one row of utterances.parquet: one segment of a call's
// transcript, so that a night's words can be searched without a rerun.
type UtteranceRow struct {
	CallID       string `parquet:"call_id"`
	SegmentIndex int32  `parquet:"segment_index"`
	Speaker      string `parquet:"speaker"`
	// StartS and EndS are null when the transcript has no times.
	StartS *float64 `parquet:"start_s,optional"`
	EndS   *float64 `parquet:"end_s,optional"`
	Text   string   `parquet:"text"`
	// Normalized is the text as the rules see it.
	Normalized string `parquet:"normalized"`
}

// rowGroupRows bounds the rows buffered in memory before a row group is
// written.
const rowGroupRows = 50_000

// Writer writes one part of a run into a folder. Nothing appears under
// the final names until Commit; Abort (or a crash) leaves only hidden
// files, which the next run there removes.
type Writer struct {
	dir        string
	run        Run
	names      FileNames
	lock       *osfs.File // the part's lock, held until Commit or Abort
	calls      *partFile[CallRow]
	hits       *partFile[HitRow]
	intervals  *partFile[IntervalRow]
	utterances *partFile[UtteranceRow]
	closed     bool
	// Cleaned are the files of dead runs that Create removed; Replaced the
	// files of another run that Commit removed.
	Cleaned, Replaced []string
}

type partFile[T any] struct {
	f    *atomicfile.File
	w    *parquet.GenericWriter[T]
	rows int64
}

func createPart[T any](dir, name string, meta []parquet.WriterOption) (*partFile[T], error) {
	f, err := atomicfile.Create(filepath.Join(dir, name))
	if err != nil {
		return nil, unchanged(dir, err)
	}
	opts := append([]parquet.WriterOption{
		parquet.Compression(&zstd.Codec{}),
		parquet.MaxRowsPerRowGroup(rowGroupRows),
	}, meta...)
	return &partFile[T]{f: f, w: parquet.NewGenericWriter[T](f, opts...)}, nil
}

func (p *partFile[T]) write(rows []T) error {
	if len(rows) == 0 {
		return nil
	}
	n, err := p.w.Write(rows)
	p.rows += int64(n)
	if err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(p.f.Path()), err)
	}
	return nil
}

// abort removes the unfinished file; nil (not created) does nothing.
func (p *partFile[T]) abort() {
	if p != nil {
		p.f.Abort()
	}
}

// finish completes the file, aside, and says what it holds.
func (p *partFile[T]) finish(table string) (ManifestFile, error) {
	if err := p.w.Close(); err != nil {
		return ManifestFile{}, err
	}
	if err := p.f.Finish(); err != nil {
		return ManifestFile{}, err
	}
	fi, err := os.Stat(p.f.Name())
	if err != nil {
		return ManifestFile{}, err
	}
	return ManifestFile{Table: table, Name: filepath.Base(p.f.Path()), Rows: p.rows, Bytes: fi.Size()}, nil
}

// Create starts run's part in dir (created if missing): it takes the
// part's lock, refusing while another run of it (or of another shard
// count) is live there, and removes what dead runs left. The settings in
// force, the run id and the shard are stored in every file's footer.
func Create(ctx context.Context, dir string, run Run) (w *Writer, err error) {
	if err := osfs.MkdirAll(dir, 0o755); err != nil {
		return nil, unchanged(dir, err)
	}
	lock, cleaned, err := claim(ctx, dir, run)
	if err != nil {
		return nil, err
	}
	// The deferred abort holds its own pointer: a return nil, err sets w to
	// nil before it runs.
	created := &Writer{dir: dir, run: run, names: run.Part.Names(), lock: lock, Cleaned: cleaned}
	w = created
	defer func() {
		if err != nil {
			created.abort()
		}
	}()
	metadata := map[string]string{
		"schema_version": fmt.Sprint(SchemaVersion), "lexicon_version": run.LexiconVersion,
		"run_id": run.ID(), "shard": run.Part.String(),
	}
	maps.Copy(metadata, run.Settings)
	var meta []parquet.WriterOption
	for _, k := range slices.Sorted(maps.Keys(metadata)) {
		meta = append(meta, parquet.KeyValueMetadata("callqa."+k, metadata[k]))
	}
	if w.calls, err = createPart[CallRow](dir, w.names.Calls, meta); err != nil {
		return nil, err
	}
	if w.hits, err = createPart[HitRow](dir, w.names.Hits, meta); err != nil {
		return nil, err
	}
	if w.intervals, err = createPart[IntervalRow](dir, w.names.Intervals, meta); err != nil {
		return nil, err
	}
	if w.utterances, err = createPart[UtteranceRow](dir, w.names.Utterances, meta); err != nil {
		return nil, err
	}
	return w, nil
}

// Names are the files the writer writes.
func (w *Writer) Names() FileNames { return w.names }

// RunID is the id of the run the writer writes a part of.
func (w *Writer) RunID() string { return w.run.ID() }

// Write adds one call's rows.
func (w *Writer) Write(c pipeline.Call) error {
	call, hits := Rows(&c)
	if err := w.write(call, hits, Intervals(&c), Utterances(&c)); err != nil {
		return unchanged(w.dir, err)
	}
	return nil
}

// unchanged is a failure of a run's output before its commit replaced
// anything: what failed, and that the folder's earlier run (if any) is as
// it was.
func unchanged(dir string, err error) error {
	return fmt.Errorf("--out %s: %w; nothing was replaced", dir, err)
}

func (w *Writer) write(call CallRow, hits []HitRow, intervals []IntervalRow, utterances []UtteranceRow) error {
	return errors.Join(w.calls.write([]CallRow{call}), w.hits.write(hits), w.intervals.write(intervals), w.utterances.write(utterances))
}

// Commit finishes the files and puts them in place together with the
// part's run manifest, removing the files of any other run (Replaced
// names them): readers that trust the manifests see the old files or the
// new ones, never a mix, and a commit that fails puts every old file back.
func (w *Writer) Commit(ctx context.Context) error {
	if w.closed {
		return errors.New("output already closed")
	}
	w.closed = true
	files, err := w.finish()
	if err != nil {
		w.abort()
		return unchanged(w.dir, err)
	}
	crashPoint("finished aside")
	folder, err := lockFolder(ctx, w.dir)
	if err != nil {
		for _, f := range files {
			f.Abort() // the manifest; the parts abort with w
		}
		w.abort()
		return unchanged(w.dir, err)
	}
	defer unlock(folder)
	staleNames, err := stale(w.dir, w.run)
	if err == nil {
		err = swap(w.dir, w.run.ID(), files, staleNames)
	}
	for _, f := range files {
		f.Abort() // a no-op for the files swapped in
	}
	if err != nil {
		release(w.dir, w.run.Part, w.lock)
		if errors.Is(err, errPartlyReplaced) {
			return fmt.Errorf("commit %s: %w", w.dir, err)
		}
		return fmt.Errorf("commit %s: %w; nothing was replaced", w.dir, err)
	}
	w.Replaced = staleNames
	release(w.dir, w.run.Part, w.lock)
	return nil
}

// finish completes every file aside, the manifest last.
func (w *Writer) finish() ([]*atomicfile.File, error) {
	m := Manifest{
		RunID: w.run.ID(), ShardIndex: w.run.Part.Index, ShardCount: w.run.Part.Count,
		SchemaVersion: SchemaVersion, LexiconVersion: w.run.LexiconVersion, Settings: w.run.Settings,
		Callqa: w.run.Callqa, CallsFound: w.run.CallsFound, CallsDigest: w.run.CallsDigest,
	}
	if m.Settings == nil {
		m.Settings = map[string]string{}
	}
	for _, step := range []func() (ManifestFile, error){
		func() (ManifestFile, error) { return w.calls.finish("calls") },
		func() (ManifestFile, error) { return w.hits.finish("hits") },
		func() (ManifestFile, error) { return w.intervals.finish("intervals") },
		func() (ManifestFile, error) { return w.utterances.finish("utterances") },
	} {
		f, err := step()
		if err != nil {
			return nil, err
		}
		m.Files = append(m.Files, f)
	}
	manifest, err := atomicfile.Create(filepath.Join(w.dir, w.names.Run))
	if err != nil {
		return nil, err
	}
	if _, err := manifest.Write(m.encode()); err != nil {
		manifest.Abort()
		return nil, err
	}
	if err := manifest.Finish(); err != nil {
		manifest.Abort()
		return nil, err
	}
	return []*atomicfile.File{w.calls.f, w.hits.f, w.intervals.f, w.utterances.f, manifest}, nil
}

// Abort removes the unfinished files and gives up the lock. It is a no-op
// after Commit.
func (w *Writer) Abort() {
	if w.closed {
		return
	}
	w.closed = true
	w.abort()
}

// abort removes the files aside and gives up the lock. It removes the
// lock's file too when the folder lock is free; else, rather than wait, it
// leaves it to the next run there, which sees that nobody holds it.
func (w *Writer) abort() {
	w.calls.abort()
	w.hits.abort()
	w.intervals.abort()
	w.utterances.abort()
	folder, err := tryLock(filepath.Join(w.dir, folderLock))
	if err != nil {
		unlock(w.lock)
		return
	}
	release(w.dir, w.run.Part, w.lock)
	unlock(folder)
}
