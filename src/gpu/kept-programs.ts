import { BufferUsage } from './flags.js';
import { KeptGroups } from './kept-groups.js';
import { ceilTo } from './steps.js';
import { TABLE_PARAMS_BYTES, tableParams } from './uniforms.js';

/**
 * The banded operators' buffers the table kernel (shaders/table.wgsl) binds: a program's packed rows and
 * its uniforms on a device, kept for the next call of the same program on an array of the same size (a
 * loop that applies the same operators every step), for the host path (table.ts) and webgpu-gradient/tfjs
 * (src/tfjs.ts) alike. Up to KEPT_PROGRAMS a device, the least recently used destroyed. A host call's
 * rows are looked up while its group is recorded, and a group may record other programs after it before
 * it is submitted, so an evicted entry is destroyed in a microtask, after the synchronous record and
 * submit (WebGPU lets submitted work that uses a destroyed buffer finish). Found by the packed table's
 * identity (a host call whose program was memoised, table.ts), else by the size, the strides and a hash of
 * the table's words, compared in full on a hit.
 */
export interface KeptProgram {
  readonly table: Uint32Array;
  readonly rows: GPUBuffer;
  readonly uniforms: GPUBuffer;
}

/** The `TableParams` a program runs with: its elements, and the distances between stacked inputs and outputs. */
export interface ProgramParams {
  readonly count: number;
  readonly compStride: number;
  readonly outStride: number;
}

interface Entry extends KeptProgram, ProgramParams {
  readonly key: string;
}

interface DeviceKept {
  /** Least recently used first. */
  readonly entries: Map<string, Entry>;
  readonly byTable: WeakMap<Uint32Array, Entry>;
  /** The most recently used entry (last in `entries`). */
  newest: Entry | null;
}

/** Programs kept a device. */
export const KEPT_PROGRAMS = 16;
const keptPrograms = new WeakMap<GPUDevice, DeviceKept>();

/** The buffers of a packed program (packProgram) with these params: kept ones, or new ones kept from now on. */
export function programBuffers(device: GPUDevice, table: Uint32Array, params: ProgramParams): KeptProgram {
  let kept = keptPrograms.get(device);
  if (!kept) {
    kept = { entries: new Map(), byTable: new WeakMap(), newest: null };
    keptPrograms.set(device, kept);
  }
  const { entries } = kept;
  const { count, compStride, outStride } = params;
  const same = kept.byTable.get(table);
  const key =
    same && same.count === count && same.compStride === compStride && same.outStride === outStride
      ? same.key
      : `${count}|${compStride}|${outStride}|${table.length}|${hashWords(table)}`;
  const hit = entries.get(key);
  if (hit && (hit.table === table || sameWords(hit.table, table))) {
    if (hit !== kept.newest) {
      entries.delete(key);
      entries.set(key, hit); // most recently used last
      kept.newest = hit;
    }
    if (same !== hit) kept.byTable.set(table, hit);
    return hit;
  }
  if (hit) {
    entries.delete(key);
    destroyLater(hit);
  }
  const rows = device.createBuffer({
    label: 'webgpu-gradient rows',
    size: ceilTo(table.byteLength, 16),
    usage: BufferUsage.STORAGE | BufferUsage.COPY_DST,
  });
  device.queue.writeBuffer(rows, 0, table);
  const uniforms = device.createBuffer({
    label: 'webgpu-gradient table params',
    size: TABLE_PARAMS_BYTES,
    usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST,
  });
  device.queue.writeBuffer(uniforms, 0, tableParams(0, count, compStride, outStride));
  const entry: Entry = { key, table, rows, uniforms, count, compStride, outStride };
  entries.set(key, entry);
  kept.newest = entry;
  kept.byTable.set(table, entry);
  for (const [oldest, old] of entries) {
    if (entries.size <= KEPT_PROGRAMS) break;
    entries.delete(oldest);
    destroyLater(old);
  }
  return entry;
}

/** The table kernel's bindings: the input (from byte `offset`, 0 if not given), the rows, the uniforms and the outputs (from byte 0). */
export interface TableBindings {
  readonly input: { readonly buffer: GPUBuffer; readonly bytes: number; readonly offset?: number };
  readonly rows: { readonly buffer: GPUBuffer; readonly bytes: number };
  readonly uniforms: GPUBuffer;
  readonly output: { readonly buffer: GPUBuffer; readonly bytes: number };
}

/** Bind groups of the table kernel, kept by rows, input and output buffer: buffers let go (a pooled one destroyed, a kept program evicted) take theirs with them. */
const keptGroups = new KeptGroups();

/**
 * The table kernel's bind group on these buffers: the one made when they last met, or a new one kept from
 * now on. A repeated host call meets the same few pooled buffers (bench/NOTES.md, eighth session).
 */
export function tableBindGroup(device: GPUDevice, layout: GPUBindGroupLayout, b: TableBindings): GPUBindGroup {
  const inputOffset = b.input.offset ?? 0;
  return (
    keptGroups.find(
      b.rows.buffer,
      b.input.buffer,
      b.output.buffer,
      layout,
      b.uniforms,
      inputOffset,
      b.input.bytes,
      b.rows.bytes,
      b.output.bytes,
    ) ??
    keptGroups.keep(
      device.createBindGroup({
        layout,
        entries: [
          { binding: 0, resource: { buffer: b.input.buffer, offset: inputOffset, size: b.input.bytes } },
          { binding: 1, resource: { buffer: b.rows.buffer, offset: 0, size: b.rows.bytes } },
          { binding: 2, resource: { buffer: b.uniforms, offset: 0, size: TABLE_PARAMS_BYTES } },
          { binding: 3, resource: { buffer: b.output.buffer, offset: 0, size: b.output.bytes } },
        ],
      }),
    )
  );
}

/**
 * Lets go of every program kept on `device`, destroying their buffers once the record and submit under way
 * have ended: a context on a caller's device calls it when destroyed, since the device, and so its kept
 * programs, may outlive it. Another context or webgpu-gradient/tfjs on the device makes its own again.
 */
export function forgetPrograms(device: GPUDevice): void {
  const kept = keptPrograms.get(device);
  if (!kept) return;
  keptPrograms.delete(device);
  for (const entry of kept.entries.values()) destroyLater(entry);
}

/** Destroyed once the record and submit under way have ended (see the module's comment). */
function destroyLater(entry: KeptProgram): void {
  queueMicrotask(() => {
    entry.rows.destroy();
    entry.uniforms.destroy();
  });
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
