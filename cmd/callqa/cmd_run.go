package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/callqa/callqa/lexicon"
	"github.com/callqa/callqa/pipeline"
	"github.com/callqa/callqa/pipeline/sink"
	"github.com/callqa/callqa/pipeline/source"
	"github.com/callqa/callqa/pipeline/stage/decode"
	"github.com/callqa/callqa/pipeline/stage/transcript"
)

// engineOptions are the flags that say how calls are checked, shared by
// run and inspect.
type engineOptions struct {
	Lexicon       []string
	AgentChannel  string
	AgentRoles    []string
	CustomerRoles []string
	Decoder       string
}

func (o *engineOptions) AddFlags(f *pflag.FlagSet) {
	f.StringArrayVar(&o.Lexicon, "lexicon", nil, lexiconFlagHelp)
	f.StringVar(&o.AgentChannel, "agent-channel", "left", "stereo channel that carries the agent: left or right (ASR channel or speaker 0 or 1 likewise)")
	f.StringSliceVar(&o.AgentRoles, "agent-roles", transcript.DefaultAgentRoles, "role words of the agent in plain-text and subtitle transcripts")
	f.StringSliceVar(&o.CustomerRoles, "customer-roles", transcript.DefaultCustomerRoles, "role words of the customer in plain-text and subtitle transcripts")
	f.StringVar(&o.Decoder, "decoder", "auto", "how recordings are decoded: native (callqa's own decoders: WAV, FLAC, MP3, Ogg Vorbis), ffmpeg (every recording through ffmpeg) or auto (native where it can, else ffmpeg)")
}

func (o *engineOptions) validate() error {
	if ch, err := source.ParseChannel(o.AgentChannel); err != nil || ch == source.Unset {
		return usageError{fmt.Errorf("--agent-channel must be left or right, not %q", o.AgentChannel)}
	}
	if _, err := decode.ParseMode(o.Decoder); err != nil {
		return usageError{fmt.Errorf("--%w", err)}
	}
	return nil
}

// engine loads the lexicon (printing its notes to stderr) and builds the
// pipeline; readAhead lets a call decode on a second goroutine (see
// pipeline.Config). A large team file takes seconds to load: SIGINT or
// SIGTERM (ctx) ends the wait at once, and the load dies with the process.
func (o *engineOptions) engine(ctx context.Context, stderr io.Writer, readAhead bool, callTimeout time.Duration) (*pipeline.Engine, *lexicon.Lexicon, error) {
	type loaded struct {
		lex *lexicon.Lexicon
		err error
	}
	done := make(chan loaded, 1)
	go func() {
		lex, err := loadLexicon(stderr, o.Lexicon)
		done <- loaded{lex, err}
	}()
	var l loaded
	select {
	case l = <-done:
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
	lex, err := l.lex, l.err
	if err != nil {
		return nil, nil, err
	}
	ch, _ := source.ParseChannel(o.AgentChannel) // validated
	mode, _ := decode.ParseMode(o.Decoder)       // validated
	e, err := pipeline.New(pipeline.Config{
		Lexicon: lex, AgentChannel: ch, AgentRoles: o.AgentRoles, CustomerRoles: o.CustomerRoles,
		ReadAhead: readAhead, CallTimeout: callTimeout, Decoder: mode,
	})
	return e, lex, err
}

// runOptions are the flags of callqa run.
type runOptions struct {
	engineOptions
	Out         string
	Workers     int
	Shard       string
	Manifest    string
	MaxFailures string
	LogEvery    time.Duration
	CallTimeout time.Duration
	Root        string
}

func (o *runOptions) AddFlags(f *pflag.FlagSet) {
	o.engineOptions.AddFlags(f)
	f.StringVarP(&o.Out, "out", "o", "", "folder for calls.parquet, hits.parquet, intervals.parquet, utterances.parquet and run.json (required)")
	f.IntVarP(&o.Workers, "workers", "j", runtime.NumCPU(), "calls processed in parallel")
	f.StringVar(&o.MaxFailures, "max-failures", "", "stop, writing nothing, when more calls than this fail: a count (10) or a share of the calls (5%)")
	f.DurationVar(&o.LogEvery, "log-every", 30*time.Second, "when stderr is not a terminal, a progress line at most this often")
	f.DurationVar(&o.CallTimeout, "call-timeout", 10*time.Minute, "the most one call may take; a call that takes longer gets an error row and the run goes on (0: no limit)")
	f.StringVar(&o.Manifest, "manifest", "", "CSV or JSONL file naming the calls and their metadata (call_id, audio, transcript, agent_id, team, started_at, agent_channel)")
	f.StringVar(&o.Root, "root", "", "read recordings and transcripts only below this folder (links followed): a call whose manifest or input names a file elsewhere gets an error row and is not read")
	f.StringVar(&o.Shard, "shard", "", "process only shard i of n (0-based, e.g. 0/4); default: JOB_COMPLETION_INDEX/JOB_COMPLETIONS of a Kubernetes Indexed Job, else all")
}

// shard is the part of the calls this run processes.
func (o *runOptions) shard() (source.Shard, error) {
	if o.Shard != "" {
		s, err := source.ParseShard(o.Shard)
		if err != nil {
			return s, usageError{fmt.Errorf("--shard: %w", err)}
		}
		return s, nil
	}
	s, _, err := source.ShardFromEnv(os.Getenv)
	return s, err
}

func (o *runOptions) validate(args []string) error {
	switch {
	case len(args) == 0 && o.Manifest == "":
		return usageError{errors.New("run needs at least one INPUT (a folder or a file) or --manifest FILE")}
	case o.Out == "":
		return usageError{errors.New("run needs --out DIR")}
	case o.Workers < 1:
		return usageError{fmt.Errorf("--workers must be at least 1, not %d", o.Workers)}
	case o.CallTimeout < 0:
		return usageError{fmt.Errorf("--call-timeout must not be negative, not %v", o.CallTimeout)}
	}
	if fi, err := os.Stat(o.Out); err == nil && !fi.IsDir() || errors.Is(err, syscall.ENOTDIR) {
		return usageError{fmt.Errorf("--out %s: not a directory", o.Out)}
	}
	if _, err := parseFailureLimit(o.MaxFailures); err != nil {
		return usageError{err}
	}
	if o.Root != "" {
		if fi, err := os.Stat(o.Root); err != nil || !fi.IsDir() {
			return usageError{fmt.Errorf("--root %s: not a folder", o.Root)}
		}
	}
	if in := inputHolding(args, o.Out); in != "" {
		return usageError{fmt.Errorf("--out %s is inside the input %s: the next run would read its files (run.json) as calls; choose an --out outside the inputs", o.Out, in)}
	}
	if err := o.engineOptions.validate(); err != nil {
		return err
	}
	_, err := o.shard()
	return err
}

func newRunCommand() *cobra.Command {
	var opts runOptions
	cmd := &cobra.Command{
		Use:   "run [INPUT...] [--manifest FILE] --out DIR",
		Short: "Check every call found in the inputs and write Parquet",
		Long: `Run finds the calls in INPUT (folders are searched recursively): a recording
NAME.wav and/or a transcript NAME.json, NAME.txt, NAME.srt or NAME.vtt with the
same stem in one folder make one call whose id is NAME. A transcript's format
(canonical JSON, Alibaba Cloud, FunASR or Whisper JSON, role-prefixed text,
SRT, WebVTT) and encoding (UTF-8, UTF-16 with BOM, GB18030/GBK) are detected
from its content. It writes DIR/calls.parquet (one row per call),
DIR/hits.parquet (one row per rule hit), DIR/intervals.parquet (each stretch
of speech, silence and overtalk the call's figures add up),
DIR/utterances.parquet (each transcript segment) and DIR/run.json, the run
manifest that names them (with --shard i/n: calls-i-of-n.parquet and so on).
The files appear only when complete, together; they replace the files of any
other run in DIR (another lexicon, another shard count), so that DIR always
holds one run. A second run into DIR while one runs there is refused.

Exit codes: 0 all calls processed; 1 fatal error (nothing written);
2 usage error; 3 finished, but some calls failed (their rows carry the error).`,
		Example: `  callqa run testdata/calls --out out
  callqa run /data/calls/2026-11-21 --out /data/qa/day=2026-11-21 --agent-channel right`,
		PreRunE: func(_ *cobra.Command, args []string) error { return opts.validate(args) },
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRun(cmd, opts, args)
		},
	}
	opts.AddFlags(cmd.Flags())
	return cmd
}

func runRun(cmd *cobra.Command, opts runOptions, inputs []string) error {
	started := time.Now()
	stderr := cmd.ErrOrStderr()
	part, err := opts.shard()
	if err != nil {
		return err
	}
	// Before any call: a limit that would fail calls one by one, or the
	// output halfway, fails the run at once.
	if err := checkDescriptors(opts.Workers); err != nil {
		return err
	}
	calls, skipped, err := findCalls(opts.Manifest, inputs)
	if err != nil {
		return err
	}
	if opts.Root != "" {
		confine(calls, opts.Root)
	}
	found := len(calls)
	ids := make([][3]string, len(calls))
	for i, c := range calls {
		ids[i] = [3]string{c.ID, c.AudioPath, c.TranscriptPath}
	}
	digest := sink.CallsDigest(ids)
	// Duplicates were marked over all calls, so a duplicate id (which
	// hashes to the same shard) is still reported.
	calls = slices.DeleteFunc(calls, func(c source.Call) bool { return !part.Owns(c.ID) })
	// A call decodes ahead on a second core only when fewer calls than
	// workers leave cores the user allowed idle (one long call): with
	// --workers 1 callqa keeps to one core.
	readAhead := len(calls) < opts.Workers && len(calls) < runtime.GOMAXPROCS(0)
	engine, _, err := opts.engine(cmd.Context(), stderr, readAhead, opts.CallTimeout)
	if err != nil {
		return err
	}
	w, err := sink.Create(cmd.Context(), opts.Out, sink.Run{
		Part:           sink.Part{Index: part.Index, Count: max(part.Count, 1)},
		LexiconVersion: engine.LexiconVersion(),
		Settings: map[string]string{
			"agent_channel":  opts.AgentChannel,
			"agent_roles":    strings.Join(opts.AgentRoles, ","),
			"customer_roles": strings.Join(opts.CustomerRoles, ","),
		},
		Callqa:      versionString(),
		CallsFound:  found,
		CallsDigest: digest,
	})
	if err != nil {
		return err
	}
	defer w.Abort()
	if len(w.Cleaned) > 0 {
		fmt.Fprintf(stderr, "callqa: removed what an interrupted run left in %s: %s\n", opts.Out, strings.Join(w.Cleaned, ", "))
	}

	limit, _ := parseFailureLimit(opts.MaxFailures)
	maxFailed := limit.max(len(calls))
	prog := newProgress(stderr, len(calls), opts.LogEvery)
	sum := summary{skipped: skipped}
	err = engine.Run(cmd.Context(), calls, opts.Workers, func(c pipeline.Call) error {
		sum.add(&c)
		prog.add(&c)
		if limit.set && sum.failed > maxFailed {
			return fmt.Errorf("stopped: %d calls failed, more than --max-failures %s allows (%d of %d calls); nothing was written; first failure: %s",
				sum.failed, opts.MaxFailures, maxFailed, len(calls), sum.failures[0])
		}
		return w.Write(c)
	})
	prog.finish()
	if err != nil {
		return err
	}
	if err := w.Commit(cmd.Context()); err != nil {
		return err
	}
	sum.print(stderr, opts.Out, w, time.Since(started))
	if sum.failed > 0 {
		return errCallsFailed
	}
	return nil
}

// findCalls lists the calls of the manifest and the inputs, and the files
// the inputs hold that are not calls. Their paths are made absolute once
// found, so that the paths stored in the rows find the files from any
// working directory (callqa report, DuckDB users), while messages name the
// files as given (a manifest's paths are relative to the manifest).
func findCalls(manifest string, inputs []string) ([]source.Call, []source.Skipped, error) {
	var calls []source.Call
	var skipped []source.Skipped
	if manifest != "" {
		var err error
		if calls, err = source.ReadManifest(manifest); err != nil {
			return nil, nil, err
		}
	}
	if len(inputs) > 0 {
		found, err := source.Discover(inputs)
		if err != nil {
			return nil, nil, err
		}
		calls, skipped = append(calls, found.Calls...), found.Skipped
	}
	for i := range calls {
		for _, p := range []*string{&calls[i].AudioPath, &calls[i].TranscriptPath} {
			if *p != "" {
				var err error
				if *p, err = filepath.Abs(*p); err != nil {
					return nil, nil, err
				}
			}
		}
	}
	source.MarkDuplicates(calls)
	if len(calls) == 0 {
		return nil, nil, fmt.Errorf("no calls found in %v (looked for NAME.wav and NAME.json, .txt, .srt or .vtt)%s", inputs, skippedNote(skipped))
	}
	return calls, skipped, nil
}

// summary counts what a run did, for the closing lines.
type summary struct {
	calls, failed, passed, review, hits int
	audioS                              float64
	failures                            []string
	// skipped are the files in the input folders that are not calls.
	skipped []source.Skipped
}

// maxListedFailures bounds the failures named in the summary; every one is
// in calls.parquet.
const maxListedFailures = 10

func (s *summary) add(c *pipeline.Call) {
	s.calls++
	s.hits += len(c.Card.Hits)
	if c.Recording != nil {
		s.audioS += c.Recording.Duration
	}
	if p := c.Passed(); p != nil && *p {
		s.passed++
	}
	if len(c.Review) > 0 {
		s.review++
	}
	if c.Failed() {
		s.failed++
		if len(s.failures) < maxListedFailures {
			s.failures = append(s.failures, fmt.Sprintf("%s: %s", c.Source.ID, c.Err))
		}
	}
}

func (s *summary) print(w io.Writer, dir string, out *sink.Writer, wall time.Duration) {
	review := ""
	if s.review > 0 {
		review = fmt.Sprintf("; %d need review", s.review)
	}
	fmt.Fprintf(w, "callqa: %d calls: %d processed, %d failed; %d passed%s; %d hits\n",
		s.calls, s.calls-s.failed, s.failed, s.passed, review, s.hits)
	speed := ""
	if wall > 0 && s.audioS > 0 {
		speed = fmt.Sprintf(" (%.0f× real time)", s.audioS/wall.Seconds())
	}
	fmt.Fprintf(w, "callqa: %.2f h of audio in %.1f s%s\n", s.audioS/3600, wall.Seconds(), speed)
	for _, f := range s.failures {
		fmt.Fprintf(w, "callqa: failed: %s\n", f)
	}
	if more := s.failed - len(s.failures); more > 0 {
		fmt.Fprintf(w, "callqa: failed: ... and %d more (see the error column)\n", more)
	}
	if len(out.Replaced) > 0 {
		fmt.Fprintf(w, "callqa: replaced another run's files: removed %s\n", strings.Join(out.Replaced, ", "))
	}
	names := out.Names()
	if len(s.skipped) > 0 {
		fmt.Fprintf(w, "callqa: %d files skipped:%s\n", len(s.skipped), skippedList(s.skipped))
	}
	fmt.Fprintf(w, "callqa: wrote %s, %s, %s and %s, listed in %s (run %s)\n",
		filepath.Join(dir, names.Calls), filepath.Join(dir, names.Hits), filepath.Join(dir, names.Intervals),
		filepath.Join(dir, names.Utterances), filepath.Join(dir, names.Run), out.RunID())
}

// maxListedSkipped bounds the skipped files named in the summary.
const maxListedSkipped = 10

// skippedList names the first skipped files and why: " a.mp3 (not a call
// (.mp3)), b (broken link: ...) ... and 3 more".
func skippedList(skipped []source.Skipped) string {
	var b strings.Builder
	for i, s := range skipped {
		if i == maxListedSkipped {
			fmt.Fprintf(&b, " ... and %d more", len(skipped)-i)
			break
		}
		sep := ","
		if i == 0 {
			sep = ""
		}
		fmt.Fprintf(&b, "%s %s (%s)", sep, s.Path, s.Reason)
	}
	return b.String()
}

// skippedNote adds the skipped files to the "no calls found" error.
func skippedNote(skipped []source.Skipped) string {
	if len(skipped) == 0 {
		return ""
	}
	return fmt.Sprintf("; %d files skipped:%s", len(skipped), skippedList(skipped))
}

// inputHolding returns the input folder that out is inside of (or is),
// following links, or "".
func inputHolding(inputs []string, out string) string {
	outAbs := resolved(out)
	for _, in := range inputs {
		if fi, err := os.Stat(in); err != nil || !fi.IsDir() {
			continue
		}
		if inside(resolved(in), outAbs) {
			return in
		}
	}
	return ""
}

// resolved is path made absolute with its links followed, as far as it
// exists (--out may not exist yet).
func resolved(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return path
	}
	var rest []string
	for dir := abs; ; dir = filepath.Dir(dir) {
		if real, err := filepath.EvalSymlinks(dir); err == nil {
			return filepath.Join(append([]string{real}, rest...)...)
		}
		if dir == filepath.Dir(dir) {
			return abs
		}
		rest = append([]string{filepath.Base(dir)}, rest...)
	}
}

// inside reports whether path is dir or below it (both resolved).
func inside(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// confine turns each call whose recording or transcript resolves (links
// followed) outside root into an error row that reads neither: a manifest
// from elsewhere cannot point callqa at /etc/shadow.
func confine(calls []source.Call, root string) {
	r := resolved(root)
	for i := range calls {
		c := &calls[i]
		if c.Err != nil {
			continue // an error row already, which reads nothing
		}
		for _, p := range []string{c.AudioPath, c.TranscriptPath} {
			if p != "" && !inside(r, resolved(p)) {
				c.Err = fmt.Errorf("%s is outside --root %s: not read", p, root)
				c.AudioPath, c.TranscriptPath = "", ""
				break
			}
		}
	}
}
