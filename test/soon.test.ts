import { describe, expect, it } from 'vitest';
import { soon } from '../src/gpu/soon';

// `soon` (src/gpu/soon.ts): the scheduler's flush and the arena's end of turn, as microtasks that share
// one drain when they are given before it runs.

const turnEnds = () => new Promise<void>((r) => setTimeout(r, 0));

describe('soon', () => {
  it('runs tasks given before a drain in one microtask, in order; one given during a drain runs after the microtasks queued meanwhile', async () => {
    const seen: string[] = [];
    soon(() => seen.push('a'));
    queueMicrotask(() => seen.push('queued'));
    soon(() => {
      seen.push('b');
      soon(() => seen.push('c'));
    });
    expect(seen).toEqual([]); // later, not now
    await turnEnds();
    // a and b share the drain that was queued before 'queued'; c waits for the next.
    expect(seen).toEqual(['a', 'b', 'queued', 'c']);
  });

  it('runs every task of later turns too (a drain leaves nothing behind)', async () => {
    for (let turn = 0; turn < 3; turn++) {
      const seen: number[] = [];
      for (let i = 0; i < 5; i++) soon(() => seen.push(i));
      await turnEnds();
      expect(seen).toEqual([0, 1, 2, 3, 4]);
    }
  });
});
