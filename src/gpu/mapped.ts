import { copyRange } from '../view.js';
import { type JobOutput, targetMemory, words } from './jobs.js';

/** Copies between host memory and mapped ranges of staging buffers. */

/** Mapped ranges are viewed in runs of this size: Dawn's Node binding cannot view 2 GiB of a mapping at once. */
const RUN_BYTES = 256 * 2 ** 20;

/** Copies `view` into a mapped buffer at `byteOffset`, in runs a mapping can be viewed in. */
export function copyIntoMapped(buffer: GPUBuffer, byteOffset: number, view: ArrayBufferView): void {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  forRuns(bytes.length, (from, n) => new Uint8Array(buffer.getMappedRange(byteOffset + from, n)).set(bytes.subarray(from, from + n)));
}

/** A mapped range to write into directly, or null where it is longer than a mapping can be viewed in at once. */
export function mappedWindow(buffer: GPUBuffer, byteOffset: number, bytes: number): ArrayBuffer | null {
  return bytes <= RUN_BYTES ? buffer.getMappedRange(byteOffset, bytes) : null;
}

/** Calls fn(from, length) over [0, bytes) in runs of at most RUN_BYTES. */
function forRuns(bytes: number, fn: (from: number, length: number) => void): void {
  for (let from = 0; from < bytes; from += RUN_BYTES) fn(from, Math.min(RUN_BYTES, bytes - from));
}

/**
 * Copies one job's results from the mapped readback slot (output k at byte positions[k]) into its target
 * arrays: out of `window`, the group's whole mapping viewed once (mappedWindow), or where that was too
 * long, out of ranges of `mapped` viewed run by run.
 */
export function downloadInto(output: JobOutput, mapped: GPUBuffer, positions: readonly number[], window: ArrayBuffer | null): void {
  const { targets, at, count, elementBytes: eb } = output;
  const View = eb === 4 ? Float32Array : Uint16Array; // float16 results as the bits of their halves
  const bytes = count * eb;
  for (let k = 0; k < output.places.length; k++) {
    // Made now, just before the copy fills it, rather than when the call was made: the copy then writes
    // memory that making the array has just touched (bench/NOTES.md, fresh results).
    if (output.fresh) targets[k] = new output.fresh(count);
    const target = targets[k];
    // The target's memory through this realm's view: arrays of another realm and subclasses alike (the
    // array itself where it is this realm's: one view fewer an output).
    const memory = targetMemory(target);
    const into =
      memory.constructor === View
        ? (memory as InstanceType<typeof View>)
        : new View(memory.buffer as ArrayBuffer, memory.byteOffset, memory.length);
    // Runs of at most RUN_BYTES; mapped ranges are whole words: an odd count of halves ends in a padded one.
    for (let from = 0; from < bytes; from += RUN_BYTES) {
      const n = Math.min(RUN_BYTES, bytes - from);
      const results = window
        ? new View(window, positions[k] + from, n / eb)
        : new View(mapped.getMappedRange(positions[k] + from, words(n)), 0, n / eb);
      const first = at + from / eb;
      if (ArrayBuffer.isView(target)) into.set(results, first);
      else copyRange(target, first, first + n / eb, results, true, into);
    }
  }
}
