import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BufferPool, sizeClass } from '../src/gpu/pool';
import { type FakeBuffer, FakeDevice } from './helpers/fake-device';

// The buffer pool (src/gpu/pool.ts) against a model: idle buffers are reused newest first within their
// size class and usage, and when the pool holds more than its caps the buffers released longest ago are
// destroyed first, whatever their size or usage.

type Op =
  | { kind: 'acquire'; size: number; usage: number }
  | { kind: 'release'; pick: number }
  | { kind: 'trim'; bytes: number; buffers: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('acquire' as const),
    size: fc.constantFrom(100, 256, 300, 1000, 4096, 5000),
    usage: fc.constantFrom(0x80, 0x8c),
  }),
  fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('trim' as const), bytes: fc.nat({ max: 20_000 }), buffers: fc.nat({ max: 6 }) }),
);

describe('buffer pool', () => {
  it('property: a size class is the least multiple of an eighth of the power of two below it (at least 256)', () => {
    // The definition, in exact integers (BigInt): the step is 2^(bit length - 4).
    const reference = (size: number) => {
      const s = BigInt(Math.max(size, 256));
      const step = 1n << BigInt(s.toString(2).length - 4);
      return Number(((s + step - 1n) / step) * step);
    };
    const size = fc.oneof(
      fc.nat({ max: 4096 }),
      fc.integer({ min: 0, max: 2 ** 32 + 2 ** 29 }),
      fc.integer({ min: 0, max: 40 }).chain((bits) => fc.integer({ min: 0, max: 2 ** bits + 2 ** Math.max(bits - 3, 0) })),
      fc.constantFrom(255, 256, 257, 2 ** 31 - 1, 2 ** 31, 2 ** 31 + 1, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 3),
    );
    fc.assert(
      fc.property(size, (n) => {
        expect(sizeClass(n)).toBe(reference(n));
      }),
      { numRuns: 5000 },
    );
  });

  it('property: reuses the newest idle buffer of a class, trims the longest idle first, and its counts match the device', () => {
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 80 }),
        fc.integer({ min: 1_000, max: 30_000 }),
        fc.integer({ min: 1, max: 8 }),
        (ops, capBytes, capBuffers) => {
          const device = new FakeDevice();
          const pool = new BufferPool(device.asDevice(), capBytes, capBuffers);
          const held: GPUBuffer[] = [];
          let idle: GPUBuffer[] = []; // the model: idle buffers, released longest ago first
          // What the pool should have destroyed, oldest first (checked after it has trimmed).
          const trimModel = (bytes: number, buffers: number) => {
            let total = idle.reduce((t, b) => t + b.size, 0);
            while ((total > bytes || idle.length > buffers) && idle.length > 0) {
              const b = idle.shift()!;
              total -= b.size;
              expect((b as unknown as FakeBuffer).destroyed).toBe(true);
            }
          };
          for (const o of ops) {
            if (o.kind === 'acquire') {
              const size = sizeClass(o.size);
              const candidates = idle.filter((b) => b.size === size && b.usage === o.usage);
              const expected = candidates.at(-1) ?? null;
              const got = pool.acquire(o.size, o.usage);
              if (expected) {
                expect(got).toBe(expected);
                idle = idle.filter((b) => b !== expected);
              } else {
                expect(idle).not.toContain(got);
                expect([got.size, got.usage]).toEqual([size, o.usage]);
              }
              held.push(got);
            } else if (o.kind === 'release') {
              if (held.length === 0) continue;
              const [b] = held.splice(o.pick % held.length, 1);
              pool.release(b);
              idle.push(b);
              trimModel(capBytes, capBuffers);
            } else {
              pool.trim(o.bytes, o.buffers);
              trimModel(o.bytes, o.buffers);
            }
            for (const b of [...idle, ...held]) expect((b as unknown as FakeBuffer).destroyed).toBe(false);
            const s = pool.stats();
            expect(s.pooledBuffers).toBe(idle.length);
            expect(s.pooledBytes).toBe(idle.reduce((t, b) => t + b.size, 0));
            expect(s.liveBuffers).toBe(device.alive);
            expect(device.alive).toBe(idle.length + held.length);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
