package vad

import "testing"

// BenchmarkHumPerHour is what the hum spectrum costs an hour of stereo
// 8 kHz audio: one window every humEveryBlock blocks.
func BenchmarkHumPerHour(b *testing.B) {
	h := newHumMeter(2, 8000)
	block := make([]float32, readBlockFrames*2)
	for i := range block {
		block[i] = float32(i%97) / 97
	}
	windows := 3600 * 8000 / readBlockFrames / humEveryBlock
	for b.Loop() {
		for range windows {
			h.add(block, readBlockFrames, 2)
		}
	}
}
