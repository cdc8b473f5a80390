import { describe, expect, it } from 'vitest';
import { gradientProgram } from '../src/derivatives';
import { KEPT_PROGRAMS, programBuffers } from '../src/gpu/kept-programs';

// The buffers webgpu-gradient/tfjs binds for a program, kept per device across calls (src/gpu/kept-programs.ts),
// on a device that only counts: created, written, destroyed.

function countingDevice() {
  const counts = { created: 0, writes: 0, destroyed: 0 };
  const device = {
    createBuffer: (d: GPUBufferDescriptor) => {
      counts.created++;
      return { size: d.size, label: d.label, destroy: () => counts.destroyed++ };
    },
    queue: { writeBuffer: () => counts.writes++ },
  };
  return { device: device as unknown as GPUDevice, counts };
}

const program = (shape: number[], options: Record<string, unknown> = {}) =>
  gradientProgram({ length: shape.reduce((a, b) => a * b, 1), kind: 'float32', shape }, options);

describe('kept program buffers (webgpu-gradient/tfjs)', () => {
  it('the same program on the same size takes the kept buffers; another size or option makes new ones', () => {
    const { device, counts } = countingDevice();
    const a = programBuffers(device, program([14, 12], { spacing: [0.5, 1] }));
    expect(counts).toEqual({ created: 2, writes: 2, destroyed: 0 });
    // An equal program built again (tfjs builds one per call) finds them.
    const again = programBuffers(device, program([14, 12], { spacing: [0.5, 1] }));
    expect(again.rows).toBe(a.rows);
    expect(again.uniforms).toBe(a.uniforms);
    expect(counts.created).toBe(2);
    expect(programBuffers(device, program([14, 13], { spacing: [0.5, 1] })).rows).not.toBe(a.rows);
    expect(programBuffers(device, program([14, 12], { spacing: [0.5, 2] })).rows).not.toBe(a.rows);
    expect(programBuffers(device, program([14, 12], { spacing: [0.5, 1], edgeOrder: 2 })).rows).not.toBe(a.rows);
    expect(counts).toEqual({ created: 8, writes: 8, destroyed: 0 });
    // Another device keeps its own.
    const other = countingDevice();
    expect(programBuffers(other.device, program([14, 12], { spacing: [0.5, 1] })).rows).not.toBe(a.rows);
  });

  it(`keeps ${KEPT_PROGRAMS} programs a device, destroying the least recently used`, () => {
    const { device, counts } = countingDevice();
    const first = programBuffers(device, program([5, 3]));
    for (let n = 4; n < 4 + KEPT_PROGRAMS - 1; n++) programBuffers(device, program([5, n]));
    expect(counts.destroyed).toBe(0);
    programBuffers(device, program([5, 3])); // used again: now the most recent
    programBuffers(device, program([5, 100])); // one past the limit: [5, 4] goes
    expect(counts.destroyed).toBe(2);
    expect(programBuffers(device, program([5, 3])).rows).toBe(first.rows);
    const created = counts.created;
    programBuffers(device, program([5, 4]));
    expect(counts.created).toBe(created + 2);
  });
});
