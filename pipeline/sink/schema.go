package sink

import (
	"fmt"
	"strings"

	"github.com/parquet-go/parquet-go"
)

// Column describes one output column for people: `callqa schema`.
type Column struct {
	Table, Name, Type, Meaning string
}

// meanings documents every column; a test fails when a column has none.
var meanings = map[string]string{
	"calls.call_id":                   "the call's id: the stem of its files, or the manifest's call_id",
	"calls.audio_path":                "the recording read (null: none)",
	"calls.transcript_path":           "the transcript read (null: none)",
	"calls.agent_id":                  "the agent, from the manifest",
	"calls.team":                      "the agent's team, from the manifest",
	"calls.started_at":                "when the call started, from the manifest (UTC)",
	"calls.schema_version":            "version of these columns",
	"calls.lexicon_version":           "name@version+hash of the rules and settings in force",
	"calls.duration_s":                "length of the recording, seconds",
	"calls.sample_rate":               "of the recording, Hz",
	"calls.channels":                  "of the recording: 1 or 2",
	"calls.codec":                     "of the recording, as ffmpeg names it: pcm_s16le, pcm_mulaw, mp3, flac, vorbis, opus, aac, gsm_ms, ...",
	"calls.decoder":                   "what decoded the recording: native (callqa) or ffmpeg",
	"calls.agent_talk_s":              "agent speech time, seconds (stereo: VAD; mono: transcript times)",
	"calls.customer_talk_s":           "customer speech time, seconds",
	"calls.silence_s":                 "time between the first and last speech where nobody speaks, seconds",
	"calls.silence_ratio":             "silence_s / duration_s",
	"calls.longest_silence_s":         "the longest silence, seconds",
	"calls.dead_air_count":            "silences of at least dead_air_min_s",
	"calls.overtalk_s":                "time both parties speak, in episodes of at least overtalk_min_s",
	"calls.overtalk_count":            "overtalk episodes",
	"calls.interruptions_by_agent":    "overtalk episodes the agent started (backchannels excluded)",
	"calls.interruptions_by_customer": "overtalk episodes the customer started",
	"calls.agent_speech_rate_cpm":     "agent Chinese characters per minute of talk",
	"calls.customer_speech_rate_cpm":  "customer Chinese characters per minute of talk",
	"calls.silence_p50_s":             "median silence, seconds",
	"calls.silence_p90_s":             "90th percentile silence, seconds",
	"calls.response_latency_p50_s":    "median time from the customer's turn end to the agent's answer, seconds",
	"calls.response_latency_p90_s":    "90th percentile response latency, seconds",
	"calls.response_latency_max_s":    "longest response latency, seconds",
	"calls.agent_speech_dbfs":         "loudness of the agent's speech, dBFS",
	"calls.customer_speech_dbfs":      "loudness of the customer's speech, dBFS",
	"calls.agent_clipping_ratio":      "clipped fraction of the agent's speech samples",
	"calls.customer_clipping_ratio":   "clipped fraction of the customer's speech samples",
	"calls.greeting_ok":               "the required opening phrases were said",
	"calls.closing_ok":                "the required closing phrases were said",
	"calls.banned_count":              "forbidden-phrase hits",
	"calls.score":                     "100 minus the penalties (capped per rule), 0 on a fatal hit; null without transcript or on error",
	"calls.passed":                    "score >= pass_mark and no fatal hit; null without a score or when the call needs review",
	"calls.needs_review":              "the recording or transcript cannot support the call's figures: a person should check it",
	"calls.review_reasons":            "why: recording_shorter_than_transcript, no_speech, agent_channel_dead, customer_channel_dead, empty_transcript",
	"calls.warnings":                  "damage worked around and recording problems",
	"calls.error":                     "why the call could not be processed; null when it was",
	"hits.call_id":                    "the call",
	"hits.rule_id":                    "the rule hit",
	"hits.kind":                       "banned, required, conditional, short_reply, similar or audio",
	"hits.category":                   "the rule's category",
	"hits.severity":                   "minor, major or fatal",
	"hits.speaker":                    "whose words or whose fault: agent or customer",
	"hits.start_s":                    "start of the utterance, episode or window searched, seconds (null without times)",
	"hits.end_s":                      "end of it, seconds",
	"hits.segment_index":              "the utterance's index in the transcript",
	"hits.text":                       "the utterance as written; over 200 characters, the 100 either side of the match, cut with …",
	"hits.matched":                    "the matched words as written; over 200 characters, the first 100 and …",
	"hits.value":                      "what an audio rule measured: seconds, ratio or characters per minute; a similar rule's score",
	"hits.penalty":                    "points this hit cost, after the rule's cap",
	"hits.evidence":                   "the turns that made it fire: the customer's turn a reply answers, a similarity hit's nearest labelled examples",
	"intervals.call_id":               "the call",
	"intervals.kind":                  "speech, silence or overtalk",
	"intervals.party":                 "whose speech: agent or customer; null for a mono recording's speech, silence and overtalk",
	"intervals.source":                "recording (the speech detector) or transcript (the parties' times in a mono call)",
	"intervals.start_s":               "start, seconds from the start of the recording",
	"intervals.end_s":                 "end, seconds",
	"intervals.started_by":            "overtalk: the party that began speaking while the other spoke",
	"intervals.interruption":          "overtalk: it counts as an interruption by started_by (no backchannel)",
	"utterances.call_id":              "the call",
	"utterances.segment_index":        "the segment's index in the transcript (hits.segment_index refers to it)",
	"utterances.speaker":              "agent, customer, or unknown (a segment that names no speaker)",
	"utterances.start_s":              "start, seconds (null when the transcript has no times)",
	"utterances.end_s":                "end, seconds (null when the transcript has no times)",
	"utterances.text":                 "the segment as written",
	"utterances.normalized":           "as the rules see it: Simplified, half-width, lower case, no punctuation or spaces",
}

// Columns lists the columns of the four tables, in file order.
func Columns() []Column {
	var out []Column
	for _, t := range []struct {
		name   string
		schema *parquet.Schema
	}{
		{"calls", parquet.SchemaOf(CallRow{})}, {"hits", parquet.SchemaOf(HitRow{})},
		{"intervals", parquet.SchemaOf(IntervalRow{})}, {"utterances", parquet.SchemaOf(UtteranceRow{})},
	} {
		for _, f := range t.schema.Fields() {
			out = append(out, Column{Table: t.name, Name: f.Name(), Type: duckType(f), Meaning: meanings[t.name+"."+f.Name()]})
		}
	}
	return out
}

// duckType is the DuckDB type a Parquet field reads as.
func duckType(f parquet.Field) string {
	if !f.Leaf() {
		return "VARCHAR[]" // the list columns: review_reasons, warnings
	}
	if lt := f.Type().LogicalType(); lt != nil {
		switch name := strings.ToUpper(lt.String()); {
		case strings.HasPrefix(name, "STRING"):
			return "VARCHAR"
		case strings.HasPrefix(name, "TIMESTAMP"):
			return "TIMESTAMP WITH TIME ZONE" // written adjusted to UTC
		}
	}
	switch f.Type().Kind() {
	case parquet.Boolean:
		return "BOOLEAN"
	case parquet.Int32:
		return "INTEGER"
	case parquet.Int64:
		return "BIGINT"
	case parquet.Double:
		return "DOUBLE"
	case parquet.ByteArray:
		return "VARCHAR"
	}
	return strings.ToUpper(f.Type().String())
}

// Query is a ready-to-use DuckDB query over the output.
type Query struct{ Title, SQL string }

// Queries are the DuckDB queries `callqa schema` shows, over the part files
// in dir (a glob reads every shard).
func Queries(dir string) []Query {
	calls := fmt.Sprintf("read_parquet('%s/calls*.parquet')", sqlString(dir))
	hits := fmt.Sprintf("read_parquet('%s/hits*.parquet')", sqlString(dir))
	intervals := fmt.Sprintf("read_parquet('%s/intervals*.parquet')", sqlString(dir))
	utterances := fmt.Sprintf("read_parquet('%s/utterances*.parquet')", sqlString(dir))
	return []Query{
		{"Views over every part file", fmt.Sprintf("CREATE OR REPLACE VIEW calls AS SELECT * FROM %s;\nCREATE OR REPLACE VIEW hits AS SELECT * FROM %s;\nCREATE OR REPLACE VIEW intervals AS SELECT * FROM %s;\nCREATE OR REPLACE VIEW utterances AS SELECT * FROM %s;", calls, hits, intervals, utterances)},
		{"Score per agent per day", fmt.Sprintf(`SELECT agent_id, CAST(started_at AS DATE) AS day, count(*) AS calls,
       round(avg(score), 1) AS avg_score, round(avg(passed::INT), 3) AS pass_rate
FROM %s WHERE error IS NULL
GROUP BY ALL ORDER BY day, agent_id;`, calls)},
		{"Top rules", fmt.Sprintf(`SELECT rule_id, category, count(*) AS hits, count(DISTINCT call_id) AS calls,
       sum(penalty) AS points, any_value(matched) AS example
FROM %s GROUP BY ALL ORDER BY hits DESC LIMIT 20;`, hits)},
		{"Calls to review first", fmt.Sprintf(`SELECT call_id, agent_id, score, banned_count, dead_air_count, longest_silence_s,
       interruptions_by_agent, audio_path
FROM %s WHERE error IS NULL AND score IS NOT NULL
ORDER BY score, banned_count DESC, longest_silence_s DESC LIMIT 20;`, calls)},
		{"Failed calls", fmt.Sprintf("SELECT call_id, error FROM %s WHERE error IS NOT NULL ORDER BY call_id;", calls)},
		{"One call's timeline, to check against your own labels", fmt.Sprintf(`SELECT kind, party, round(start_s, 2) AS start_s, round(end_s, 2) AS end_s, started_by
FROM %s WHERE call_id = 'CALL' ORDER BY start_s, kind;`, intervals)},
		{"Who said it: the night's words, searched", fmt.Sprintf(`SELECT call_id, segment_index, speaker, start_s, text
FROM %s WHERE normalized LIKE '%%退款%%' ORDER BY call_id, segment_index LIMIT 50;`, utterances)},
	}
}

// sqlString escapes a value for a single-quoted SQL string: a folder name
// stays data.
func sqlString(s string) string { return strings.ReplaceAll(s, "'", "''") }
