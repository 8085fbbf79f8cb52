#!/usr/bin/env bash
# Decoder benchmark (issue 23): one hour of stereo speech as WAV, FLAC, MP3
# (16 kHz, MPEG-2, which go-mp3 reads), Ogg Vorbis, Ogg Opus and M4A,
# decoded by callqa's Go decoders, by ffmpeg alone (to /dev/null) and by
# callqa through ffmpeg's pipe, side by side in one run. Target: each Go
# decoder at least as fast as ffmpeg alone (a ratio of at most 1.00).
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${WORK:-/tmp/callqa-bench}/decode
mkdir -p "$WORK"
if ! command -v ffmpeg >/dev/null; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ffmpeg
fi
SPEECH=../shared/fixtures/speech
if [ ! -f "$WORK/hour.wav" ]; then
  if [ -d "$SPEECH" ]; then
    go run ./testdata/gen -long 3600 -speech "$SPEECH" -noise-dbfs -50 -out "$WORK/hour.wav"
  else
    go run ./testdata/gen -long 3600 -out "$WORK/hour.wav"
  fi
fi
enc() { [ -f "$WORK/hour.$1" ] || ffmpeg -v error -y -i "$WORK/hour.wav" "${@:2}" "$WORK/hour.$1"; }
enc flac -c:a flac
enc mp3 -ar 16000 -c:a libmp3lame -b:a 64k
enc ogg -c:a libvorbis -q:a 4
enc opus -c:a libopus -b:a 32k
enc m4a -c:a aac -b:a 64k
CALLQA_DECODE_BENCH=$WORK go test -run '^$' -bench BenchmarkHourByCodec -benchtime 3x ./pipeline/stage/decode | tee "$WORK/bench.txt"
awk '/^BenchmarkHourByCodec\// {
  split($1, p, "/"); codec = p[2]; sub(/-[0-9]+$/, "", p[3])
  t[codec, p[3]] = $3 / 1e9; codecs[codec] = 1
}
function show(c, k) { return (c, k) in t ? sprintf("%8.2f", t[c, k]) : sprintf("%8s", "-") }
END {
  print "\ncodec    callqa   ffmpeg  callqa via   callqa/ffmpeg (target at most 1)"
  print "         (Go) s  alone s   ffmpeg s"
  n = split("wav flac mp3 ogg opus m4a", order)
  for (i = 1; i <= n; i++) {
    c = order[i]
    if (!(c in codecs)) continue
    line = sprintf("%-6s %s %s %s", c, show(c, "native"), show(c, "ffmpeg-alone"), show(c, "ffmpeg"))
    if ((c, "native") in t && (c, "ffmpeg-alone") in t) {
      r = t[c, "native"] / t[c, "ffmpeg-alone"]
      line = line sprintf("   %9.2f  %s", r, (r <= 1 ? "met" : "MISSED"))
    } else {
      line = line "           -  (ffmpeg only)"
    }
    print line
  }
}' "$WORK/bench.txt"
