// Package sink is the only place that knows the Parquet files: it turns a
// processed call into rows of calls.parquet, hits.parquet and
// intervals.parquet, commits them atomically, and reads a run's files back.
package sink

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/callqa/callqa/internal/atomicfile"
	"github.com/callqa/callqa/pipeline"
	"github.com/parquet-go/parquet-go/compress/zstd"
)

// SchemaVersion changes whenever a column is added, removed or changes
// meaning.
const SchemaVersion = 1

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

	Warnings []string `parquet:"warnings,list"`
	Error    *string  `parquet:"error,optional"`
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
	// seconds, the talk ratio, the speech rate in characters per minute.
	Value   *float64 `parquet:"value,optional"`
	Penalty float64  `parquet:"penalty"`
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

// FileNames are the names of the three output files.
type FileNames struct{ Calls, Hits, Intervals string }

// Unsharded are the names of a run that is not split into shards.
var Unsharded = FileNames{Calls: "calls.parquet", Hits: "hits.parquet", Intervals: "intervals.parquet"}

// ShardNames are the part files of shard i of n: calls-<i>-of-<n>.parquet;
// DuckDB reads all parts with read_parquet('DIR/calls*.parquet').
func ShardNames(i, n int) FileNames {
	return FileNames{
		Calls:     fmt.Sprintf("calls-%d-of-%d.parquet", i, n),
		Hits:      fmt.Sprintf("hits-%d-of-%d.parquet", i, n),
		Intervals: fmt.Sprintf("intervals-%d-of-%d.parquet", i, n),
	}
}

// rowGroupRows bounds the rows buffered in memory before a row group is
// written.
const rowGroupRows = 50_000

// Writer writes the files of a run. Nothing appears under the final names
// until Commit; Abort (or a crash) leaves only hidden temporary files.
type Writer struct {
	names     FileNames
	calls     *partFile[CallRow]
	hits      *partFile[HitRow]
	intervals *partFile[IntervalRow]
	closed    bool
}

type partFile[T any] struct {
	f *atomicfile.File
	w *parquet.GenericWriter[T]
}

func createPart[T any](dir, name string, meta []parquet.WriterOption) (*partFile[T], error) {
	f, err := atomicfile.Create(filepath.Join(dir, name))
	if err != nil {
		return nil, err
	}
	opts := append([]parquet.WriterOption{
		parquet.Compression(&zstd.Codec{}),
		parquet.MaxRowsPerRowGroup(rowGroupRows),
	}, meta...)
	return &partFile[T]{f: f, w: parquet.NewGenericWriter[T](f, opts...)}, nil
}

// Create starts the output files in dir (created if missing). metadata is
// stored in every file's footer as key/value pairs (the settings in force).
func Create(dir string, names FileNames, metadata map[string]string) (*Writer, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var meta []parquet.WriterOption
	for _, k := range slices.Sorted(maps.Keys(metadata)) {
		meta = append(meta, parquet.KeyValueMetadata(k, metadata[k]))
	}
	calls, err := createPart[CallRow](dir, names.Calls, meta)
	if err != nil {
		return nil, err
	}
	hits, err := createPart[HitRow](dir, names.Hits, meta)
	if err != nil {
		calls.f.Abort()
		return nil, err
	}
	intervals, err := createPart[IntervalRow](dir, names.Intervals, meta)
	if err != nil {
		calls.f.Abort()
		hits.f.Abort()
		return nil, err
	}
	return &Writer{names: names, calls: calls, hits: hits, intervals: intervals}, nil
}

// Write adds one call's rows.
func (w *Writer) Write(c pipeline.Call) error {
	call, hits := Rows(&c)
	return w.write(call, hits, Intervals(&c))
}

func (w *Writer) write(call CallRow, hits []HitRow, intervals []IntervalRow) error {
	if _, err := w.calls.w.Write([]CallRow{call}); err != nil {
		return fmt.Errorf("write %s: %w", w.names.Calls, err)
	}
	if len(hits) > 0 {
		if _, err := w.hits.w.Write(hits); err != nil {
			return fmt.Errorf("write %s: %w", w.names.Hits, err)
		}
	}
	if len(intervals) > 0 {
		if _, err := w.intervals.w.Write(intervals); err != nil {
			return fmt.Errorf("write %s: %w", w.names.Intervals, err)
		}
	}
	return nil
}

// Commit finishes the files and renames them into place.
func (w *Writer) Commit() error {
	if w.closed {
		return errors.New("output already closed")
	}
	w.closed = true
	if err := errors.Join(w.calls.w.Close(), w.hits.w.Close(), w.intervals.w.Close()); err != nil {
		w.abort()
		return err
	}
	if err := w.calls.f.Commit(); err != nil {
		w.hits.f.Abort()
		w.intervals.f.Abort()
		return err
	}
	if err := w.hits.f.Commit(); err != nil {
		w.intervals.f.Abort()
		return err
	}
	return w.intervals.f.Commit()
}

// Abort removes the unfinished files. It is a no-op after Commit.
func (w *Writer) Abort() {
	if w.closed {
		return
	}
	w.closed = true
	w.abort()
}

func (w *Writer) abort() {
	w.calls.f.Abort()
	w.hits.f.Abort()
	w.intervals.f.Abort()
}
