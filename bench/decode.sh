#!/usr/bin/env bash
# Decoder benchmark (issue 23): one hour of stereo speech as WAV, FLAC, MP3
# (16 kHz, MPEG-2, which go-mp3 reads), Ogg Vorbis, Ogg Opus and M4A,
# decoded by callqa's Go decoders and by ffmpeg into a pipe (as callqa reads
# it), side by side in one run. Target: each Go decoder at least as fast
# as ffmpeg (a ratio of at most 1.00).
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
END {
  print "\ncodec   native s   ffmpeg s   native/ffmpeg"
  for (c in codecs) {
    if ((c, "native") in t && (c, "ffmpeg") in t) {
      r = t[c, "native"] / t[c, "ffmpeg"]
      printf "%-6s %9.2f %10.2f %10.2f  %s\n", c, t[c, "native"], t[c, "ffmpeg"], r, (r <= 1 ? "met" : "MISSED")
    } else if ((c, "ffmpeg") in t) {
      printf "%-6s %9s %10.2f %10s  (ffmpeg only)\n", c, "-", t[c, "ffmpeg"], "-"
    }
  }
}' "$WORK/bench.txt"
