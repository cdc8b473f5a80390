import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type InputArena, InputArenas } from '../src/gpu/arena';
import { BufferPool } from '../src/gpu/pool';
import { type FakeBuffer, FakeDevice } from './helpers/fake-device';

// The arenas that one-piece host calls take their inputs into (src/gpu/arena.ts), on a fake device and
// the real buffer pool: where inputs land, when an arena goes back to the pool, and that no input is
// ever written over while its job may still read it.

const USAGE = 0x80 | 0x8 | 0x4;
const turnEnds = () => new Promise<void>((r) => setTimeout(r, 0));

/** A place an input was given: the arena placed in and the offset (InputArenas returns the offset alone). */
interface Slot {
  readonly arena: InputArena;
  readonly offset: number;
}

/** pooledSlot as a Slot, or null where an arena would have to be created. */
function pooled(arenas: InputArenas, bytes: number, align?: number): Slot | null {
  const offset = arenas.pooledSlot(bytes, align);
  return offset < 0 ? null : { arena: arenas.placedArena, offset };
}

/** slot as a Slot. */
function placeIn(arenas: InputArenas, bytes: number, align?: number): Slot {
  const offset = arenas.slot(bytes, align);
  return { arena: arenas.placedArena, offset };
}

function setup(maxBytes = 2 ** 20) {
  const device = new FakeDevice();
  const pool = new BufferPool(device.asDevice());
  return { device, pool, arenas: new InputArenas(pool, USAGE, maxBytes) };
}

describe('input arenas', () => {
  it('inputs of one turn share arenas that double; the next turn takes one as large as the last took, from the pool once seen', async () => {
    const { device, pool, arenas } = setup();
    const take = (n: number) => Array.from({ length: n }, () => pooled(arenas, 1024) ?? placeIn(arenas, 1024));
    const first = take(5);
    // 1024 bytes, then 2048, then 4096: a new arena when one is full.
    expect(first.map((s) => [s.arena.buffer.size, s.offset])).toEqual([
      [1024, 0],
      [2048, 0],
      [2048, 1024],
      [4096, 0],
      [4096, 1024],
    ]);
    expect(new Set(first.map((s) => s.arena)).size).toBe(3);
    expect(first.every((s) => s.arena.created)).toBe(true);
    await turnEnds();
    for (const s of first) s.arena.end(false);
    expect(pool.stats().pooledBuffers).toBe(3); // each freed once its turn ended and its jobs had
    const second = take(5);
    expect(new Set(second.map((s) => s.arena)).size).toBe(1); // one arena of what the last turn took
    expect(second[4].offset).toBe(4096);
    await turnEnds();
    for (const s of second) s.arena.end(false);
    const created = device.created.length;
    const third = take(5);
    expect(device.created.length).toBe(created); // the same burst again creates nothing
    expect(third[0].arena.created).toBe(false);
    expect(third[0].arena.buffer).toBe(second[0].arena.buffer);
    await turnEnds();
    for (const s of third) s.arena.end(false);
  });

  it('sequential calls (one input a turn) take the same pooled buffer each time, and an arena is freed only when turn and jobs have both ended', async () => {
    const { device, pool, arenas } = setup();
    const a = placeIn(arenas, 4096);
    await turnEnds();
    expect(pool.stats().pooledBuffers).toBe(0); // its job still reads it
    a.arena.end(false);
    expect(pool.stats().pooledBuffers).toBe(1);
    for (let i = 0; i < 5; i++) {
      const s = pooled(arenas, 4096);
      expect(s?.arena.buffer).toBe(a.arena.buffer);
      s!.arena.end(false); // ended before its turn: freed when the turn ends
      expect(pool.stats().pooledBuffers).toBe(0);
      await turnEnds();
      expect(pool.stats().pooledBuffers).toBe(1);
    }
    expect(device.created.length).toBe(1);
  });

  it('a freed arena serves the next buffer afresh (no arena made a sequential call); one still read is never reused', async () => {
    const { pool, arenas } = setup();
    const first = placeIn(arenas, 1024);
    const arena = first.arena;
    await turnEnds();
    first.arena.end(true); // failed: its buffer destroyed, the arena freed
    const next = placeIn(arenas, 2048);
    expect(next.arena).toBe(arena); // the same object, on a new buffer, as good as new
    expect(next.arena.buffer.size).toBe(2048);
    expect(next.offset).toBe(0);
    expect(next.arena.created).toBe(true);
    await turnEnds();
    next.arena.end(false); // not failed: pooled, not destroyed (the last use's failure is forgotten)
    expect(pool.stats().pooledBuffers).toBe(1);
    // An arena whose job has not ended stays its buffer's while the next turn takes another.
    const held = pooled(arenas, 2048)!;
    await turnEnds();
    const other = placeIn(arenas, 2048);
    expect(other.arena).not.toBe(held.arena);
    expect(held.arena.buffer).not.toBe(other.arena.buffer);
    held.arena.end(false);
    await turnEnds();
    other.arena.end(false);
    expect(pool.stats().pooledBuffers).toBe(2);
  });

  it('an arena whose job failed is destroyed, not pooled; an input larger than maxBytes gets an arena of its own size', async () => {
    const { device, pool, arenas } = setup(8192);
    const a = placeIn(arenas, 1024);
    const b = placeIn(arenas, 1024);
    await turnEnds();
    a.arena.end(true);
    b.arena.end(false);
    expect((a.arena.buffer as unknown as FakeBuffer).destroyed).toBe(true);
    expect((b.arena.buffer as unknown as FakeBuffer).destroyed).toBe(false);
    expect(pool.stats().liveBuffers).toBe(1);
    const big = placeIn(arenas, 65536);
    expect(big.arena.buffer.size).toBe(65536);
    expect(big.offset).toBe(0);
    // The next turn's first arena is capped at maxBytes, not what the last turn took.
    await turnEnds();
    big.arena.end(false);
    const next = placeIn(arenas, 1024);
    expect(next.arena.buffer.size).toBe(8192);
    await turnEnds();
    next.arena.end(false);
    expect(device.alive).toBe(pool.stats().pooledBuffers);
  });

  it('property: inputs never share bytes with a live input, lie 16-byte aligned (or at the alignment asked, a view\u2019s span) inside their arena, and every arena is freed once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.array(
            fc.record({
              words: fc.integer({ min: 1, max: 300 }),
              // When the job ends: 0 in the turn it was taken, later turns otherwise; failed or not.
              endsAfter: fc.integer({ min: 0, max: 3 }),
              failed: fc.boolean(),
              // A view's span asks for the storage binding alignment (gather.ts); other inputs 16 bytes.
              align: fc.constantFrom(16, 16, 256),
            }),
            { minLength: 0, maxLength: 12 },
          ),
          { minLength: 1, maxLength: 8 },
        ),
        fc.integer({ min: 256, max: 16384 }),
        async (turns, maxWords) => {
          const { device, pool, arenas } = setup(maxWords * 16);
          const live = new Map<GPUBuffer, { slot: Slot; bytes: number }[]>();
          let pending: { slot: Slot; bytes: number; turn: number; failed: boolean }[] = [];
          const end = (p: (typeof pending)[number]) => {
            const list = live.get(p.slot.arena.buffer)!;
            list.splice(list.indexOf(list.find((l) => l.slot === p.slot)!), 1);
            p.slot.arena.end(p.failed);
          };
          // Buffers, not arenas: a freed arena serves another buffer (InputArenas' spare).
          const seenFailed = new Set<GPUBuffer>();
          for (let t = 0; t < turns.length + 4; t++) {
            for (const take of turns[t] ?? []) {
              const bytes = take.words * 16;
              const slot = pooled(arenas, bytes, take.align) ?? placeIn(arenas, bytes, take.align);
              const buffer = slot.arena.buffer;
              expect(slot.offset % take.align).toBe(0);
              expect(slot.offset + bytes).toBeLessThanOrEqual(buffer.size);
              expect((buffer as unknown as FakeBuffer).destroyed).toBe(false);
              const others = live.get(buffer) ?? [];
              for (const o of others) {
                expect(o.slot.arena).toBe(slot.arena); // a buffer goes back to the pool only once its arena is freed
                expect(slot.offset >= o.slot.offset + o.bytes || o.slot.offset >= slot.offset + bytes).toBe(true);
              }
              live.set(buffer, [...others, { slot, bytes }]);
              const p = { slot, bytes, turn: t + take.endsAfter, failed: take.failed };
              if (take.failed) seenFailed.add(buffer);
              if (take.endsAfter === 0) end(p);
              else pending.push(p);
            }
            await turnEnds();
            const now = pending.filter((p) => p.turn <= t);
            pending = pending.filter((p) => p.turn > t);
            for (const p of now) end(p);
          }
          arenas.close();
          // Everything has ended: every buffer alive is idle in the pool, once (an arena freed twice would be
          // pooled twice, or counted dead twice), and every arena a failed job read was destroyed.
          const stats = pool.stats();
          expect(stats.liveBuffers).toBe(device.alive);
          expect(stats.pooledBuffers).toBe(stats.liveBuffers);
          for (const buffer of seenFailed) expect((buffer as unknown as FakeBuffer).destroyed).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
