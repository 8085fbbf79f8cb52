package transcript

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// parseJSON reads the JSON shapes callqa knows, told apart by their keys:
//
//   - canonical: {"segments": [{"speaker": "agent", "start": s, "end": s, "text": ...}]}
//   - Whisper: {"segments": [{"start": s, "end": s, "text": ...}]}, with an
//     optional diarization "speaker" ("SPEAKER_00", 1, "spk1")
//   - Alibaba Cloud file transcription: {"Result": {"Sentences": [{"ChannelId": 0,
//     "BeginTime": ms, "EndTime": ms, "Text": ...}]}}, or the Sentences array bare
//     (diarized mono: one ChannelId, several SpeakerIds)
//   - FunASR/Paraformer: [{"sentence_info": [{"spk": 0, "start": ms, "end": ms, "text": ...}]}]
//
// Errors name the JSON path of the value at fault.
func parseJSON(text string, opts Options) (*Transcript, error) {
	text, repaired := repairControls(text)
	var doc any
	dec := json.NewDecoder(strings.NewReader(text))
	if err := dec.Decode(&doc); err != nil {
		return nil, jsonError([]byte(text), err)
	}
	t, err := parseDoc(doc, opts)
	if err != nil {
		return nil, err
	}
	t.Warnings = append(repaired, t.Warnings...)
	return t, nil
}

// parseDoc reads a decoded JSON document by its shape.
func parseDoc(doc any, opts Options) (*Transcript, error) {
	switch v := doc.(type) {
	case []any:
		if isSentences(v) {
			return parseSentences(object{map[string]any{"Sentences": v}, "$"}, opts)
		}
		return parseFunASRList(v, opts)
	case map[string]any:
		switch {
		case v["segments"] != nil:
			return parseSegments(v, opts)
		case v["Result"] != nil || v["Sentences"] != nil:
			return parseAlibaba(v, opts)
		case v["sentence_info"] != nil:
			return parseFunASRList([]any{v}, opts)
		}
	}
	return nil, errors.New(`unknown JSON shape: expected "segments" (canonical or Whisper), "Result.Sentences" or a bare Sentences array (Alibaba Cloud) or "sentence_info" (FunASR)`)
}

// repairControls makes JSON with raw control characters readable, since
// exports hold them (a raw NUL inside a string) and JSON forbids them:
// inside a string a raw tab, CR or LF becomes a space and any other
// control byte becomes DEL, which clean removes with a warning naming the
// segment; outside strings they become spaces. Every byte keeps its
// offset, so syntax errors still name the file's line and column.
func repairControls(text string) (string, []string) {
	var b []byte // a copy, made at the first repair
	inString, escaped := false, false
	n, firstLine := 0, 0
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case escaped:
			escaped = false
			if c >= 0x20 {
				continue
			}
		case inString && c == '\\':
			escaped = true
			continue
		case c == '"':
			inString = !inString
			continue
		}
		if c >= 0x20 || !inString && (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			continue
		}
		if b == nil {
			b = []byte(text)
			firstLine = strings.Count(text[:i], "\n") + 1
		}
		n++
		switch {
		case !inString || c == '\t' || c == '\n' || c == '\r':
			b[i] = ' '
		default:
			b[i] = 0x7F
		}
	}
	if b == nil {
		return text, nil
	}
	return string(b), []string{fmt.Sprintf("line %d: %d raw control characters (such as NUL), which JSON does not allow, removed or read as spaces", firstLine, n)}
}

// jsonError adds the line and column to a JSON syntax or type error.
func jsonError(data []byte, err error) error {
	var offset int64 = -1
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("invalid JSON: the file ends inside a value, at line %d", bytes.Count(data, []byte("\n"))+1)
	case errors.As(err, &syn):
		offset = syn.Offset
	case errors.As(err, &typ):
		offset = typ.Offset
	}
	if offset < 0 || offset > int64(len(data)) {
		return fmt.Errorf("invalid JSON: %w", err)
	}
	line := bytes.Count(data[:offset], []byte("\n")) + 1
	col := int(offset) - bytes.LastIndexByte(data[:offset], '\n')
	return fmt.Errorf("invalid JSON at line %d, column %d: %w", line, col, err)
}

// object is a JSON object being read, with its path for messages.
type object struct {
	m    map[string]any
	path string
}

func (o object) at(key string) string { return o.path + "." + key }

func (o object) number(key string) (float64, error) {
	switch v := o.m[key].(type) {
	case float64:
		return v, nil
	case nil:
		return 0, fmt.Errorf("%s: missing", o.at(key))
	default:
		return 0, fmt.Errorf("%s: %v is not a number", o.at(key), v)
	}
}

func (o object) text(key string) (string, error) {
	switch v := o.m[key].(type) {
	case string:
		return v, nil
	case nil:
		return "", fmt.Errorf("%s: missing", o.at(key))
	default:
		return "", fmt.Errorf("%s: %v is not a string", o.at(key), v)
	}
}

// list returns the objects of array key.
func (o object) list(key string) ([]object, error) {
	arr, ok := o.m[key].([]any)
	if !ok {
		return nil, fmt.Errorf("%s: not an array", o.at(key))
	}
	out := make([]object, len(arr))
	for i, e := range arr {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s[%d]: not an object", o.at(key), i)
		}
		out[i] = object{m, fmt.Sprintf("%s[%d]", o.at(key), i)}
	}
	return out, nil
}

// timed reads the times (scaled to seconds) and the text of one utterance.
func (o object) timed(startKey, endKey, textKey string, scale float64) (Segment, error) {
	start, err := o.number(startKey)
	if err != nil {
		return Segment{}, err
	}
	end, err := o.number(endKey)
	if err != nil {
		return Segment{}, err
	}
	text, err := o.text(textKey)
	if err != nil {
		return Segment{}, err
	}
	start, end = start*scale, end*scale
	if err := checkTimes(start, end, o.path); err != nil {
		return Segment{}, err
	}
	return Segment{Start: start, End: end, Text: text}, nil
}

// parseSegments reads the canonical shape, or Whisper's when no segment
// names the agent or the customer.
func parseSegments(m map[string]any, opts Options) (*Transcript, error) {
	root := object{m, "$"}
	segs, err := root.list("segments")
	if err != nil {
		return nil, err
	}
	canonical := false
	for _, s := range segs {
		if sp, ok := s.m["speaker"].(string); ok {
			if l := strings.ToLower(strings.TrimSpace(sp)); l == Agent || l == Customer {
				canonical = true
			}
		}
	}
	t := &Transcript{Format: "whisper", Timed: true}
	if canonical {
		t.Format = "canonical"
	}
	t.CallID, _ = m["call_id"].(string)
	for _, s := range segs {
		seg, err := s.timed("start", "end", "text", 1)
		if err != nil {
			return nil, err
		}
		if seg.Speaker, err = speakerOf(s, canonical, opts); err != nil {
			return nil, err
		}
		t.Segments = append(t.Segments, seg)
	}
	return t, nil
}

// speakerOf reads a segment's "speaker": agent or customer in the
// canonical shape; a speaker number ("SPEAKER_01", "spk1", 1) or nothing in
// Whisper's.
func speakerOf(s object, canonical bool, opts Options) (string, error) {
	raw, present := s.m["speaker"]
	if canonical {
		sp, ok := raw.(string)
		if !ok {
			return "", fmt.Errorf("%s: missing", s.at("speaker"))
		}
		if l := strings.ToLower(strings.TrimSpace(sp)); l == Agent || l == Customer {
			return l, nil
		}
		return "", fmt.Errorf("%s: %q is not \"agent\" or \"customer\"", s.at("speaker"), sp)
	}
	if !present || raw == nil {
		return Unknown, nil
	}
	n, ok := speakerNumber(raw)
	if !ok {
		return "", fmt.Errorf("%s: %v is not agent, customer or a speaker number", s.at("speaker"), raw)
	}
	return byIndex(n, opts, s.at("speaker"))
}

// speakerNumber reads 1, "1", "SPEAKER_01", "spk1", "speaker 1".
func speakerNumber(v any) (int, bool) {
	switch x := v.(type) {
	case float64:
		return int(x), x == float64(int(x))
	case string:
		digits := strings.TrimLeft(strings.ToLower(strings.TrimSpace(x)), "speakr_ -")
		n, err := strconv.Atoi(digits)
		return n, err == nil && digits != ""
	}
	return 0, false
}

// parseAlibaba reads Alibaba Cloud's file-transcription result. "Result"
// may be an object or a string holding one.
func parseAlibaba(m map[string]any, opts Options) (*Transcript, error) {
	root := object{m, "$"}
	if s, ok := m["Result"].(string); ok {
		var inner map[string]any
		if err := json.Unmarshal([]byte(s), &inner); err != nil {
			return nil, fmt.Errorf("$.Result: a string that is not JSON: %w", err)
		}
		root = object{inner, "$.Result"}
	} else if r, ok := m["Result"].(map[string]any); ok {
		root = object{r, "$.Result"}
	}
	return parseSentences(root, opts)
}

// isSentences reports whether a JSON array is Alibaba Cloud's Sentences
// stored bare, as many integrations keep them: objects with BeginTime.
func isSentences(arr []any) bool {
	if len(arr) == 0 {
		return false
	}
	first, ok := arr[0].(map[string]any)
	return ok && first["BeginTime"] != nil
}

// parseSentences reads the Sentences of root: {"BeginTime": ms, "EndTime":
// ms, "Text": ..., "ChannelId": 0, "SpeakerId": "1", "SpeechRate": ...,
// "EmotionValue": ...}. ChannelId is the speaker, unless every sentence is
// on one channel and SpeakerId names more than one speaker: a mono
// recording with diarization, whose speakers then come from SpeakerId.
func parseSentences(root object, opts Options) (*Transcript, error) {
	sentences, err := root.list("Sentences")
	if err != nil {
		return nil, err
	}
	t := &Transcript{Format: "alibaba", Timed: true}
	speakers, warning := diarized(sentences)
	if speakers == nil {
		return t, t.addNumbered(sentences, asrKeys{"BeginTime", "EndTime", "Text", "ChannelId"}, opts)
	}
	t.Warnings = append(t.Warnings, warning)
	for _, s := range sentences {
		seg, err := s.timed("BeginTime", "EndTime", "Text", 0.001)
		if err != nil {
			return nil, err
		}
		if seg.Speaker, err = byIndex(speakers[fmt.Sprint(s.m["SpeakerId"])], opts, s.at("SpeakerId")); err != nil {
			return nil, err
		}
		t.Segments = append(t.Segments, seg)
	}
	return t, nil
}

// diarized numbers the speakers of sentences that are all on one channel
// but name several SpeakerIds, in order of first appearance (the first to
// speak is number 0, the agent with --agent-channel left); nil when the
// channels tell the speakers apart, or SpeakerId does not.
func diarized(sentences []object) (map[string]int, string) {
	channels, speakers := map[string]bool{}, map[string]int{}
	var order []string
	for _, s := range sentences {
		channels[fmt.Sprint(s.m["ChannelId"])] = true
		id, ok := s.m["SpeakerId"]
		if !ok || id == nil {
			return nil, ""
		}
		if _, seen := speakers[fmt.Sprint(id)]; !seen {
			speakers[fmt.Sprint(id)] = len(order)
			order = append(order, fmt.Sprint(id))
		}
	}
	if len(channels) != 1 || len(order) < 2 {
		return nil, ""
	}
	return speakers, fmt.Sprintf("every sentence is on one channel, but SpeakerId names %d speakers: speakers taken from SpeakerId, %q (the first to speak) as speaker 0 and %q as speaker 1", len(order), order[0], order[1])
}

// asrKeys name the fields of an ASR sentence with times in milliseconds and
// a numbered speaker.
type asrKeys struct{ start, end, text, speaker string }

// addNumbered appends ASR sentences whose speaker is a channel or speaker
// number.
func (t *Transcript) addNumbered(sentences []object, k asrKeys, opts Options) error {
	for _, s := range sentences {
		seg, err := s.timed(k.start, k.end, k.text, 0.001)
		if err != nil {
			return err
		}
		n, err := s.number(k.speaker)
		if err != nil {
			return err
		}
		if seg.Speaker, err = byIndex(int(n), opts, s.at(k.speaker)); err != nil {
			return err
		}
		t.Segments = append(t.Segments, seg)
	}
	return nil
}

// parseFunASRList reads FunASR/Paraformer output: results with
// "sentence_info", times in milliseconds, "spk" the speaker number.
func parseFunASRList(results []any, opts Options) (*Transcript, error) {
	t := &Transcript{Format: "funasr", Timed: true}
	for i, r := range results {
		m, ok := r.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("$[%d]: not an object", i)
		}
		res := object{m, fmt.Sprintf("$[%d]", i)}
		if m["sentence_info"] == nil {
			return nil, fmt.Errorf("%s: no sentence_info (run FunASR with sentence timestamps and speaker diarization)", res.at("sentence_info"))
		}
		sentences, err := res.list("sentence_info")
		if err != nil {
			return nil, err
		}
		if err := t.addNumbered(sentences, asrKeys{"start", "end", "text", "spk"}, opts); err != nil {
			return nil, err
		}
	}
	return t, nil
}
