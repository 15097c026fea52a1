// WAV encoding for audio summaries: 16-bit little-endian PCM in a RIFF container, as TF's
// wav_io EncodeAudioAsS16LEWav writes it.

/** One float sample in [-1, 1] to int16: scaled by 2^15, rounded, clamped (TF's FloatToInt16Sample). */
export function floatToInt16(x: number): number {
  const v = Math.round(x * 32768);
  // NaN rounds to NaN; C++'s min/max then keep the clamp bound that compared false (-32768).
  if (Number.isNaN(v)) return -32768;
  return Math.max(-32768, Math.min(32767, v));
}

/**
 * A WAV file of `frames` frames of `channels` interleaved float samples (`samples[f*channels+c]`)
 * at `sampleRate` Hz. The header is the canonical 44 bytes: RIFF, WAVE, a 16-byte PCM "fmt "
 * chunk, then the "data" chunk.
 */
export function encodeWav(
  samples: ArrayLike<number>,
  sampleRate: number,
  channels: number,
  frames: number,
): Uint8Array {
  const dataBytes = frames * channels * 2;
  const out = new Uint8Array(44 + dataBytes);
  const view = new DataView(out.buffer);
  const ascii = (at: number, s: string) => {
    for (let i = 0; i < s.length; i++) out[at + i] = s.charCodeAt(i);
  };
  ascii(0, "RIFF");
  view.setUint32(4, 36 + dataBytes, true);
  ascii(8, "WAVE");
  ascii(12, "fmt ");
  view.setUint32(16, 16, true); // fmt chunk size
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * channels * 2, true); // bytes per second
  view.setUint16(32, channels * 2, true); // bytes per frame
  view.setUint16(34, 16, true); // bits per sample
  ascii(36, "data");
  view.setUint32(40, dataBytes, true);
  for (let i = 0; i < frames * channels; i++) {
    view.setInt16(44 + 2 * i, floatToInt16(samples[i]), true);
  }
  return out;
}
