import type { Program } from '../derivatives.js';
import { BufferUsage } from './flags.js';
import { ceilTo } from './steps.js';
import { packProgram } from './table.js';
import { tableParams } from './uniforms.js';

/**
 * The banded operators' buffers that webgpu-gradient/tfjs binds (src/tfjs.ts): a program's rows and
 * uniforms on a device, kept for the next call of the same program on an array of
 * the same size (a training loop applies its ops every step): up to KEPT_PROGRAMS a device, the least
 * recently used destroyed (after its submits, which WebGPU lets finish). Keyed by the size and a hash of
 * the packed table, whose words are compared in full on a hit.
 */
export interface KeptProgram {
  readonly table: Uint32Array;
  readonly rows: GPUBuffer;
  readonly uniforms: GPUBuffer;
}

/** Programs kept a device. */
export const KEPT_PROGRAMS = 16;
const keptPrograms = new WeakMap<GPUDevice, Map<string, KeptProgram>>();

/** The program's buffers for an array of its plan's size: kept ones, or new ones kept from now on. */
export function programBuffers(device: GPUDevice, program: Program): KeptProgram {
  const N = program.plan.size;
  const table = packProgram(program);
  let kept = keptPrograms.get(device);
  if (!kept) {
    kept = new Map();
    keptPrograms.set(device, kept);
  }
  const key = `${N}|${table.length}|${hashWords(table)}`;
  const hit = kept.get(key);
  kept.delete(key);
  if (hit && sameWords(hit.table, table)) {
    kept.set(key, hit); // most recently used last
    return hit;
  }
  if (hit) destroyProgram(hit);
  const rows = device.createBuffer({
    label: 'webgpu-gradient tfjs rows',
    size: ceilTo(table.byteLength, 16),
    usage: BufferUsage.STORAGE | BufferUsage.COPY_DST,
  });
  device.queue.writeBuffer(rows, 0, table);
  const uniforms = device.createBuffer({
    label: 'webgpu-gradient tfjs params',
    size: 16,
    usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST,
  });
  device.queue.writeBuffer(uniforms, 0, tableParams(0, N, N, N));
  const entry = { table, rows, uniforms };
  kept.set(key, entry);
  for (const [oldest, old] of kept) {
    if (kept.size <= KEPT_PROGRAMS) break;
    kept.delete(oldest);
    destroyProgram(old);
  }
  return entry;
}

function destroyProgram(entry: KeptProgram): void {
  entry.rows.destroy();
  entry.uniforms.destroy();
}

/** FNV-1a over the words. */
function hashWords(words: Uint32Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < words.length; i++) h = Math.imul(h ^ words[i], 0x01000193) >>> 0;
  return h;
}

function sameWords(a: Uint32Array, b: Uint32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
