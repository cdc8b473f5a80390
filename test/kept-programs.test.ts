import { describe, expect, it } from 'vitest';
import { gradientProgram, type Program } from '../src/derivatives';
import { forgetPrograms, KEPT_PROGRAMS, programBuffers as keptBuffers, tableBindGroup } from '../src/gpu/kept-programs';
import { packProgram } from '../src/gpu/table';

// The buffers the table kernel binds for a program, kept per device across calls (src/gpu/kept-programs.ts),
// and its bind groups kept per buffers, on a device that only counts: created, written, destroyed.

function countingDevice() {
  const counts = { created: 0, writes: 0, destroyed: 0, groups: 0 };
  const device = {
    createBuffer: (d: GPUBufferDescriptor) => {
      counts.created++;
      return { size: d.size, label: d.label, destroy: () => counts.destroyed++ };
    },
    createBindGroup: (d: GPUBindGroupDescriptor) => {
      counts.groups++;
      return { descriptor: d };
    },
    queue: { writeBuffer: () => counts.writes++ },
  };
  return { device: device as unknown as GPUDevice, counts };
}

const programOf = (shape: number[], options: Record<string, unknown> = {}) =>
  gradientProgram({ length: shape.reduce((a, b) => a * b, 1), kind: 'float32', shape }, options);

/** As webgpu-gradient/tfjs asks: the program packed anew, its size as both strides. */
const programBuffers = (device: GPUDevice, program: Program) => {
  const N = program.plan.size;
  return keptBuffers(device, packProgram(program), { count: N, compStride: N, outStride: N });
};

const microtask = () => new Promise<void>((resolve) => queueMicrotask(resolve));

describe('kept program buffers', () => {
  it('the same program on the same size takes the kept buffers; another size or option makes new ones', () => {
    const { device, counts } = countingDevice();
    const a = programBuffers(device, programOf([14, 12], { spacing: [0.5, 1] }));
    expect(counts).toMatchObject({ created: 2, writes: 2, destroyed: 0 });
    // An equal program built again (tfjs builds one per call) finds them.
    const again = programBuffers(device, programOf([14, 12], { spacing: [0.5, 1] }));
    expect(again.rows).toBe(a.rows);
    expect(again.uniforms).toBe(a.uniforms);
    expect(counts.created).toBe(2);
    expect(programBuffers(device, programOf([14, 13], { spacing: [0.5, 1] })).rows).not.toBe(a.rows);
    expect(programBuffers(device, programOf([14, 12], { spacing: [0.5, 2] })).rows).not.toBe(a.rows);
    expect(programBuffers(device, programOf([14, 12], { spacing: [0.5, 1], edgeOrder: 2 })).rows).not.toBe(a.rows);
    expect(counts).toMatchObject({ created: 8, writes: 8, destroyed: 0 });
    // Another device keeps its own.
    const other = countingDevice();
    expect(programBuffers(other.device, programOf([14, 12], { spacing: [0.5, 1] })).rows).not.toBe(a.rows);
  });

  it('one packed table with other strides (a host call and a tfjs call of one program) keeps uniforms of each', () => {
    const { device, counts } = countingDevice();
    const table = packProgram(programOf([6, 5]));
    const tfjs = keptBuffers(device, table, { count: 30, compStride: 30, outStride: 30 });
    const host = keptBuffers(device, table, { count: 30, compStride: 32, outStride: 64 });
    expect(host.uniforms).not.toBe(tfjs.uniforms);
    expect(keptBuffers(device, table, { count: 30, compStride: 30, outStride: 30 })).toBe(tfjs);
    expect(keptBuffers(device, table, { count: 30, compStride: 32, outStride: 64 })).toBe(host);
    // The same words in another array (a program built again) find it too.
    expect(keptBuffers(device, table.slice(), { count: 30, compStride: 32, outStride: 64 })).toBe(host);
    expect(counts.created).toBe(4);
  });

  it(`keeps ${KEPT_PROGRAMS} programs a device, destroying the least recently used once the task recording it has ended`, async () => {
    const { device, counts } = countingDevice();
    const first = programBuffers(device, programOf([5, 3]));
    for (let n = 4; n < 4 + KEPT_PROGRAMS - 1; n++) programBuffers(device, programOf([5, n]));
    programBuffers(device, programOf([5, 3])); // used again: now the most recent
    programBuffers(device, programOf([5, 100])); // one past the limit: [5, 4] goes
    // Not yet: a group being recorded may have bound it before the submit that follows in this task.
    expect(counts.destroyed).toBe(0);
    await microtask();
    expect(counts.destroyed).toBe(2);
    expect(programBuffers(device, programOf([5, 3])).rows).toBe(first.rows);
    const created = counts.created;
    programBuffers(device, programOf([5, 4]));
    expect(counts.created).toBe(created + 2);
  });

  it("forgetPrograms lets go of a device's programs after the task under way; the next call makes them again", async () => {
    const { device, counts } = countingDevice();
    const other = countingDevice();
    const a = programBuffers(device, programOf([6, 5]));
    programBuffers(device, programOf([6, 7]));
    programBuffers(other.device, programOf([6, 5]));
    forgetPrograms(device);
    expect(counts.destroyed).toBe(0);
    await microtask();
    expect(counts.destroyed).toBe(4);
    expect(other.counts.destroyed).toBe(0); // another device's are its own
    expect(programBuffers(device, programOf([6, 5])).rows).not.toBe(a.rows);
    expect(counts.created).toBe(6);
    forgetPrograms(countingDevice().device); // a device with none: nothing to do
  });
});

describe('kept table bind groups', () => {
  it('the same buffers, ranges, uniforms and layout take the kept group; any other makes a new one', () => {
    const { device, counts } = countingDevice();
    const buffer = (size: number) => device.createBuffer({ size, usage: 0 });
    const [input, rows, uniforms, output, output2, uniforms2] = [64, 32, 16, 128, 128, 16].map(buffer);
    const layout = {} as GPUBindGroupLayout;
    const b = { input: { buffer: input, bytes: 64 }, rows: { buffer: rows, bytes: 32 }, uniforms, output: { buffer: output, bytes: 128 } };
    const group = tableBindGroup(device, layout, b);
    expect(tableBindGroup(device, layout, { ...b })).toBe(group);
    expect(counts.groups).toBe(1);
    const others = [
      tableBindGroup(device, layout, { ...b, output: { buffer: output2, bytes: 128 } }),
      tableBindGroup(device, layout, { ...b, output: { buffer: output, bytes: 112 } }),
      tableBindGroup(device, layout, { ...b, uniforms: uniforms2 }),
      tableBindGroup(device, {} as GPUBindGroupLayout, b),
    ];
    for (const g of others) expect(g).not.toBe(group);
    expect(counts.groups).toBe(5);
    // Each is kept in turn.
    expect(tableBindGroup(device, layout, { ...b, output: { buffer: output2, bytes: 128 } })).toBe(others[0]);
    expect(tableBindGroup(device, layout, { ...b, uniforms: uniforms2 })).toBe(others[2]);
    expect(counts.groups).toBe(5);
  });
});
