import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GradientError } from '../src/errors';
import { readbackLayout } from '../src/gpu/group';
import { type Job, type JobOutput, readbackCopies, resultBytes, slotLayout, slotPositions } from '../src/gpu/jobs';
import { BufferPool } from '../src/gpu/pool';
import { Transfer } from '../src/gpu/transfer';
import { throughStaging, WRITE_BUFFER_MAX } from '../src/gpu/upload';
import { drive, type FakeBuffer, FakeDevice } from './helpers/fake-device';

// The transfer layer on a fake device (test/helpers/fake-device.ts): grouping, the staging rings under
// contention, taken inputs, failure clean-up and destroy during flight, deterministic and without a GPU.
// Each job's "kernel" writes 2·input + k into output k.

function setup(chunkBytes = 64 * 2 ** 20) {
  const device = new FakeDevice();
  const pool = new BufferPool(device.asDevice());
  let closed = false;
  let lost: unknown = null;
  // Waits told of the device's loss (Lifecycle.watch): `lose` tells them.
  const watching = new Set<(error: unknown) => void>();
  const transfer = new Transfer(
    device.asDevice(),
    pool,
    {
      // As Lifecycle.whileAlive: a wait fails as soon as the device is lost.
      whileAlive: (p) =>
        new Promise((resolve, reject) => {
          watching.add(reject);
          p.then(resolve, reject).finally(() => watching.delete(reject));
        }),
      watch: (lost) => watching.add(lost),
      checkUsable: () => {
        if (closed) throw new GradientError('destroyed', 'closed');
        if (lost) throw lost;
      },
      translate: (e) => e,
      scoped: (body) => ({ value: body(), errors: Promise.resolve(null) }),
    },
    { chunkBytes, pollingMaps: false, maxBindingBytes: 2 ** 30, bindAlignment: 256 },
  );
  const close = () => {
    closed = true;
    transfer.destroy();
  };
  // As a context's Lifecycle: what died with the device is forgotten (the transfer destroyed without
  // touching it), then every wait is told.
  const lose = (error: unknown) => {
    lost = error;
    transfer.destroy(true);
    for (const tell of watching) tell(error);
  };
  return { device, pool, transfer, close, lose };
}

const ceil16 = (n: number) => Math.ceil(n / 16) * 16;

/** A job over `data` with `outputs` results, its input deferred (written when its group records) or as given. */
function job(data: Float32Array, outputs = 1, input?: Job['input']): { job: Job; targets: Float32Array[] } {
  const n = data.length;
  const targets = Array.from({ length: outputs }, () => new Float32Array(n));
  const slab = ceil16(n);
  return {
    targets,
    job: {
      input: input ?? { arrays: [data], kind: 'float32', bytesPerElement: 4, start: 0, end: n, stride: slab },
      output: {
        targets,
        fresh: null,
        elementBytes: 4,
        at: 0,
        count: n,
        buffers: [outputs * slab * 4],
        places: targets.map((_, k) => ({ buffer: 0, offset: k * slab })),
      },
      record(encoder, inputBuffer, outs) {
        const out = outs[0]; // now: the list is the recorder's only while record runs (Job.record)
        (encoder as unknown as { run(c: () => void): void }).run(() => {
          const from = new Float32Array((inputBuffer as unknown as FakeBuffer).data.buffer, 0, n);
          const to = new Float32Array((out as unknown as FakeBuffer).data.buffer);
          for (let k = 0; k < outputs; k++) for (let i = 0; i < n; i++) to[k * slab + i] = 2 * from[i] + k;
        });
        return [];
      },
    },
  };
}

function expectResults(targets: Float32Array[], data: ArrayLike<number>) {
  targets.forEach((t, k) => {
    for (let i = 0; i < data.length; i++)
      if (t[i] !== 2 * data[i] + k) throw new Error(`output ${k}[${i}] = ${t[i]}, not ${2 * data[i] + k}`);
  });
}

const ramp = (n: number, seed = 0) => Float32Array.from({ length: n }, (_, i) => ((i * 7 + seed) % 1000) / 8);

describe('the transfer layer on a fake device', () => {
  it('jobs queued in one turn share one submit and one readback map; chunkBytes splits them into groups', async () => {
    for (const [chunkBytes, groups] of [
      [64 * 2 ** 20, 1],
      [2048, 5],
    ] as const) {
      const { device, transfer } = setup(chunkBytes);
      const made = Array.from({ length: 10 }, (_, j) => ({ data: ramp(256, j), ...job(ramp(256, j)) }));
      const runs = made.map((m) => transfer.run(m.job));
      await drive(device);
      await Promise.all(runs);
      made.forEach((m) => expectResults(m.targets, m.data));
      expect(device.submits).toBe(groups);
      expect(device.maps).toBe(groups); // small inputs go up with writeBuffer: the readback is the only map
      expect(transfer.stats.groups).toBe(groups);
      expect(transfer.stats.jobs).toBe(10);
    }
  });

  it('streamed pieces beyond the ring take their staging buffers a group at a time; the ring never exceeds three', async () => {
    const { device, transfer } = setup();
    const n = WRITE_BUFFER_MAX / 4 + 1024; // just over the writeBuffer limit: staged
    const made = Array.from({ length: 7 }, (_, j) => ({ data: ramp(n, j), ...job(ramp(n, j)) }));
    const runs = made.map((m) => transfer.run(m.job));
    let settled = 0;
    for (const r of runs) r.then(() => settled++);
    for (let round = 0; round < 40 && settled < runs.length; round++) {
      await drive(device, 1);
      expect(device.stagingAlive().uploads).toBeLessThanOrEqual(3);
      expect(transfer.stagingBuffers().uploads).toBeLessThanOrEqual(3);
    }
    await Promise.all(runs);
    made.forEach((m) => expectResults(m.targets, m.data));
    expect(transfer.stats.groups).toBeGreaterThanOrEqual(3); // at most three staged uploads per group
    expect(device.writes).toBe(0); // every input went through a staging slot
  });

  it('a taken input is the bytes at take(); large ones take a mapped staging buffer, and with the ring busy, writeBuffer', async () => {
    const { device, transfer } = setup();
    const n = WRITE_BUFFER_MAX / 4 + 1024;
    const datas = Array.from({ length: 4 }, (_, j) => ramp(n, j));
    const copies = datas.map((d) => Float32Array.from(d));
    const taken = datas.map((d) =>
      transfer.take({ arrays: [d], kind: 'float32', bytesPerElement: 4, start: 0, end: n, stride: ceil16(n) }),
    );
    expect(taken.map((t) => t.staging !== null)).toEqual([true, true, true, false]); // three slots, then writeBuffer
    expect(device.writes).toBe(1);
    for (const d of datas) d.fill(-1); // the caller refills at once
    const made = taken.map((t, j) => job(datas[j], 2, t));
    const runs = made.map((m) => transfer.run(m.job));
    await drive(device);
    await Promise.all(runs);
    made.forEach((m, j) => expectResults(m.targets, copies[j]));
    expect(transfer.stats.groups).toBe(1); // taken inputs hold their slots already: nothing waits for the ring
    // Once re-mapped, the slots are found ready by the next takes: no new staging buffer.
    const before = device.created.length;
    const again = transfer.take({ arrays: [copies[0]], kind: 'float32', bytesPerElement: 4, start: 0, end: n, stride: ceil16(n) });
    expect(again.staging).not.toBeNull();
    expect(device.created.length).toBe(before); // the pooled input buffer and a mapped slot were reused
    transfer.discard(again);
    await drive(device, 2);
    expect(
      transfer.take({ arrays: [copies[1]], kind: 'float32', bytesPerElement: 4, start: 0, end: n, stride: ceil16(n) }).staging,
    ).not.toBeNull();
  });

  it('fresh results are made when they arrive: one array per output, each call its own, none for a failed group', async () => {
    const { device, transfer } = setup();
    const fresh = (data: Float32Array, outputs: number) => {
      const made = job(data, outputs);
      const targets: Float32Array[] = [];
      return { data, targets, job: { ...made.job, output: { ...made.job.output, targets, fresh: Float32Array } } };
    };
    const calls = [fresh(ramp(256), 2), fresh(ramp(256, 3), 2), fresh(ramp(100, 5), 3)];
    const runs = calls.map((c) => transfer.run(c.job));
    expect(calls.every((c) => c.targets.length === 0)).toBe(true); // nothing made before the results arrive
    await drive(device);
    await Promise.all(runs);
    for (const c of calls) {
      expect(c.targets.length).toBe(c.job.output.places.length);
      expect(c.targets.map((t) => [t.constructor, t.length])).toEqual(c.targets.map(() => [Float32Array, c.data.length]));
      expectResults(c.targets, c.data);
    }
    expect(new Set(calls.flatMap((c) => c.targets.map((t) => t.buffer))).size).toBe(7);
    // A group that fails makes none.
    const failed = fresh(ramp(64), 2);
    const outcome = transfer
      .run({
        ...failed.job,
        record() {
          throw new Error('record failed');
        },
      })
      .catch((e: Error) => e.message);
    await drive(device);
    expect(await outcome).toBe('record failed');
    expect(failed.targets).toEqual([]);
  });

  it('a job whose recording throws fails its group; the group’s buffers are destroyed, and the next group succeeds', async () => {
    const { device, pool, transfer } = setup();
    const good = job(ramp(64));
    const bad = job(ramp(64, 1));
    const failing: Job = {
      ...bad.job,
      record() {
        throw new Error('record failed');
      },
    };
    const outcome = Promise.allSettled([transfer.run(good.job), transfer.run(failing)]);
    await drive(device);
    const settled = await outcome;
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    const stats = pool.stats();
    expect(stats.liveBuffers).toBe(stats.pooledBuffers); // nothing of the failed group kept in use
    expect(device.stagingAlive().readbacks).toBe(0); // its readback slot dropped
    const next = job(ramp(64, 2));
    const run = transfer.run(next.job);
    await drive(device);
    await run;
    expectResults(next.targets, ramp(64, 2));
  });

  it('destroy during flight: a submitted job still finishes, every staging buffer ends destroyed, later jobs are refused', async () => {
    const { device, transfer, close } = setup();
    const n = WRITE_BUFFER_MAX / 4 + 1024;
    const inFlight = job(ramp(n));
    const run = transfer.run(inFlight.job);
    for (let i = 0; i < 10 && device.submits === 0; i++) {
      await new Promise((r) => setTimeout(r, 0));
      device.resolveMaps();
    }
    expect(device.submits).toBe(1); // submitted; its readback map is pending
    close();
    device.resolveMaps();
    await drive(device, 3);
    await run;
    expectResults(inFlight.targets, ramp(n));
    expect(device.stagingAlive()).toEqual({ uploads: 0, readbacks: 0 });
    const later = await transfer.run(job(ramp(8)).job).catch((e) => e);
    expect(later).toBeInstanceOf(GradientError);
    expect(later.code).toBe('destroyed');
  });

  it('an `out` detached while its job runs fails that job alone', async () => {
    const { device, transfer, close } = setup();
    const made = [0, 1, 2].map((j) => ({ data: ramp(128, j), ...job(ramp(128, j)) }));
    const outcome = Promise.allSettled(made.map((m) => transfer.run(m.job)));
    structuredClone(made[1].targets[0].buffer, { transfer: [made[1].targets[0].buffer] });
    await drive(device);
    const settled = await outcome;
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason.code).toBe('invalid-option');
    expectResults(made[0].targets, made[0].data);
    expectResults(made[2].targets, made[2].data);
    expect(device.submits).toBe(1);
    // The next group of three runs on that group's run (GroupRun.retire) and fails as a whole before it
    // records: each job gets the group's error, none the detached `out` of the group before.
    close();
    const next = await Promise.allSettled([0, 1, 2].map((j) => transfer.run(job(ramp(128, j)).job)));
    expect(next.map((s) => (s as PromiseRejectedResult).reason?.code)).toEqual(['destroyed', 'destroyed', 'destroyed']);
  });

  it("each job's group end is told once, before its call settles: in success, failing alone, and failing with its group", async () => {
    const { device, transfer } = setup();
    const ends: number[] = [];
    const settledAfterEnd: boolean[] = [];
    const watched = (j: Job, id: number): Job => ({ ...j, ended: () => ends.push(id) });
    const track = (p: Promise<void>, id: number) =>
      p.then(
        () => settledAfterEnd.push(ends.includes(id)),
        () => settledAfterEnd.push(ends.includes(id)),
      );
    // One group: job 1 fails alone (its `out` detached), jobs 0 and 2 succeed.
    const made = [0, 1, 2].map((j) => job(ramp(64, j)));
    const first = Promise.all(made.map((m, id) => track(transfer.run(watched(m.job, id)), id)));
    structuredClone(made[1].targets[0].buffer, { transfer: [made[1].targets[0].buffer] });
    await drive(device);
    await first;
    // A group whose recording throws fails both its jobs.
    const failing = (id: number): Job => ({
      ...watched(job(ramp(64, id)).job, id),
      record() {
        throw new Error('record failed');
      },
    });
    const second = Promise.all([3, 4].map((id) => track(transfer.run(failing(id)), id)));
    await drive(device);
    await second;
    expect([...ends].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(settledAfterEnd).toEqual([true, true, true, true, true]);
  });

  it('a group waits for its out-of-memory scope, then its validation scope, then its map: the first error found fails it, and a rejected pop fails it too', async () => {
    // Each case: what the group's two pops report (out of memory's first: the inner scope), and what its job gets.
    const cases: { pops: FakeDevice['nextPops']; error: RegExp | null }[] = [
      { pops: [], error: null },
      { pops: [{ message: 'no room' }, { message: 'bad binding' }], error: /^GPU out of memory: no room/ },
      { pops: [null, { message: 'bad binding' }], error: /^GPU validation error .*: bad binding/ },
      { pops: [{ rejects: new Error('pop failed') }, { message: 'bad binding' }], error: /^pop failed/ },
      { pops: [null, { rejects: new Error('second pop failed') }], error: /^second pop failed/ },
      { pops: [{ message: 'no room' }, { rejects: new Error('second pop failed') }], error: /^GPU out of memory: no room/ },
    ];
    // One transfer for every case, so that each group after the first runs on the run of one that
    // arrived (GroupRun.retire): nothing of the previous group's may carry over.
    const { device, pool, transfer } = setup();
    for (const { pops, error } of cases) {
      const mapsBefore = device.maps;
      const made = job(ramp(64, 1));
      device.nextPops.push(...pops);
      const outcome = transfer.run(made.job).then(
        () => null,
        (e: Error) => e,
      );
      await drive(device);
      const got = await outcome;
      if (error === null) {
        expect(got).toBeNull();
        expectResults(made.targets, ramp(64, 1));
      } else expect(got?.message).toMatch(error);
      expect(device.maps - mapsBefore).toBe(error === null ? 1 : 0); // the readback is mapped only once both scopes came back clean
      expect(device.scopes).toBe(0);
      expect(pool.stats().liveBuffers).toBe(pool.stats().pooledBuffers); // each buffer released once, or destroyed
    }
    // Every case in turn again, on runs reused after each success.
    for (const { pops, error } of [...cases, ...cases]) {
      device.nextPops.push(...pops);
      const made = job(ramp(64, 2));
      const got = await Promise.all([
        transfer.run(made.job).then(
          () => null,
          (e: Error) => e,
        ),
        drive(device),
      ]).then(([e]) => e);
      if (error === null) expectResults(made.targets, ramp(64, 2));
      else expect(got?.message).toMatch(error);
    }
  });

  it('property: groups submitted and ending in any order, then a device loss: every job settles once; those whose maps came back hold their results, the others reject with what the loss reports at once, and maps settling later change nothing', async () => {
    // Steps: queue `submit` jobs in one turn (one job a group: chunkBytes is one job's results), or let
    // the map of pending group `resolve` (modulo those pending) come back. Then the device is lost.
    const step = fc.oneof(fc.record({ submit: fc.integer({ min: 1, max: 4 }) }), fc.record({ resolve: fc.nat() }));
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
        const { device, pool, transfer, lose } = setup(64 * 4);
        const jobs: { data: Float32Array; targets: Float32Array[]; ends: number; outcome: string }[] = [];
        const turns = async () => {
          for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, 0));
        };
        for (const s of steps) {
          if ('submit' in s) {
            for (let k = 0; k < s.submit; k++) {
              const data = ramp(64, jobs.length);
              const made = job(data);
              const entry = { data, targets: made.targets, ends: 0, outcome: 'pending' };
              jobs.push(entry);
              transfer.run({ ...made.job, ended: () => entry.ends++ }).then(
                () => (entry.outcome = 'fulfilled'),
                (e) => (entry.outcome = e.code),
              );
            }
          } else if (device.pendingMaps.length > 0) {
            device.pendingMaps.splice(s.resolve % device.pendingMaps.length, 1)[0]();
          }
          await turns();
        }
        const before = jobs.map((j) => j.outcome);
        lose(new GradientError('device-lost', 'gone'));
        await turns();
        for (const [i, j] of jobs.entries()) {
          expect(j.ends).toBe(1);
          if (before[i] === 'fulfilled') expectResults(j.targets, j.data);
          else expect([i, j.outcome]).toEqual([i, 'device-lost']);
        }
        device.resolveMaps();
        await drive(device, 3);
        expect(jobs.map((j) => j.ends)).toEqual(jobs.map(() => 1));
        expect(pool.stats().liveBuffers).toBe(pool.stats().pooledBuffers);
      }),
      { numRuns: 60 },
    );
  });

  it('a staged piece whose input is detached fails alone, and its upload buffer stays mapped for the next', async () => {
    const { device, transfer } = setup();
    const n = WRITE_BUFFER_MAX / 4 + 1024;
    const mine = ramp(n, 1);
    const other = ramp(n, 2);
    const made = [job(mine), job(other)];
    const outcome = Promise.allSettled(made.map((m) => transfer.run(m.job)));
    structuredClone(mine.buffer, { transfer: [mine.buffer] });
    await drive(device);
    const settled = await outcome;
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'fulfilled']);
    expect((settled[0] as PromiseRejectedResult).reason.code).toBe('invalid-data');
    expectResults(made[1].targets, ramp(n, 2));
    expect(device.invalidMaps).toBe(0);
    const before = device.created.length;
    const next = job(ramp(n, 3));
    const run = transfer.run(next.job);
    await drive(device);
    await run;
    expectResults(next.targets, ramp(n, 3));
    expect(device.created.filter((b, i) => i >= before && b.usage & 0x0002).length).toBe(0); // no new upload buffer
    expect(device.invalidMaps).toBe(0);
  });

  it('concurrent taken inputs share an arena; a batch computes them where they lie, copied once where its first is off a binding offset', async () => {
    const { device, pool, transfer } = setup();
    const n = 260; // 1,040 bytes: whole words, not whole 256-byte binding offsets
    const batch: NonNullable<Job['batch']> = {
      key: 'twice',
      slab: (count) => count * n,
      record(encoder, input, output, count) {
        (encoder as unknown as { run(c: () => void): void }).run(() => {
          const from = new Float32Array((input.buffer as unknown as FakeBuffer).data.buffer, input.offset, count * n);
          const to = new Float32Array((output as unknown as FakeBuffer).data.buffer);
          for (let i = 0; i < count * n; i++) to[i] = 2 * from[i];
        });
        return [];
      },
    };
    const takeJob = (data: Float32Array, batched: boolean) => {
      const made = job(
        data,
        1,
        transfer.take({ arrays: [data], kind: 'float32', bytesPerElement: 4, start: 0, end: data.length, stride: data.length }),
      );
      return { ...made, job: batched ? { ...made.job, batch } : made.job };
    };
    let copies = 0;
    const encoderOf = device.createCommandEncoder.bind(device);
    device.createCommandEncoder = () => {
      const encoder = encoderOf();
      const copy = encoder.copyBufferToBuffer.bind(encoder);
      encoder.copyBufferToBuffer = (...a) => {
        copies++;
        copy(...a);
      };
      return encoder;
    };
    const burst = async (lead: boolean) => {
      copies = 0;
      const datas = Array.from({ length: 8 }, (_, j) => ramp(n, j));
      // A lead job of 16 bytes first puts the batch's first input 16 bytes into the arena.
      const made = [...(lead ? [takeJob(ramp(4), false)] : []), ...datas.map((d) => takeJob(d, true))];
      for (const d of datas) d.fill(-1); // taken: the caller may refill at once
      const runs = made.map((m) => transfer.run(m.job));
      await drive(device);
      await Promise.all(runs);
      made.slice(lead ? 1 : 0).forEach((m, j) => expectResults(m.targets, ramp(n, j)));
      if (lead) expectResults(made[0].targets, ramp(4));
      return made;
    };
    const before = transfer.stats.batches;
    await burst(false); // the first burst fills arenas of 1, 2, 4 inputs… : runs split where one ends
    expect(device.created.filter((b) => b.label === 'webgpu-gradient inputs').length).toBe(4);
    await burst(false); // one arena as large as the first burst took (created once)
    const created = device.created.length;
    const batchesBefore = transfer.stats.batches;
    await burst(false);
    expect(transfer.stats.batches - batchesBefore).toBe(1); // one dispatch
    expect(copies).toBe(1); // the readback's only: the batch read its inputs in the arena
    expect(device.created.length).toBe(created); // the same burst again creates no buffer
    await burst(true);
    expect(copies).toBe(3); // the lead's readback, the batch's, and one copy of the 8 inputs off the binding offset
    expect(transfer.stats.batches - before).toBeGreaterThanOrEqual(4);
    const stats = pool.stats();
    expect(stats.liveBuffers).toBe(stats.pooledBuffers); // every arena back in the pool
  });

  it('jobs of one group that share no dispatch hand their buffers on: a burst of 100 creates a few, each result right', async () => {
    const { device, pool, transfer } = setup();
    const n = 260;
    const burst = async (seed: number) => {
      const datas = Array.from({ length: 100 }, (_, j) => ramp(n, seed + j));
      // Taken inputs side by side in one arena (so copied out of it, all but the first), two outputs each, no batch.
      const made = datas.map((d) =>
        job(d, 2, transfer.take({ arrays: [d], kind: 'float32', bytesPerElement: 4, start: 0, end: n, stride: ceil16(n) })),
      );
      for (const d of datas) d.fill(-1); // taken: the caller may refill at once
      const runs = made.map((m) => transfer.run(m.job));
      await drive(device);
      await Promise.all(runs);
      made.forEach((m, j) => expectResults(m.targets, ramp(n, seed + j)));
    };
    await burst(0);
    await burst(1); // the arena is as large as the burst now
    // Beside the arenas and the readback: an input copy and an output buffer for each of four jobs (a job's go to the fourth after it).
    expect(device.created.filter((b) => b.label === 'webgpu-gradient').length).toBe(8);
    const created = pool.stats().created;
    for (let r = 2; r < 5; r++) await burst(r);
    expect(pool.stats().created).toBe(created); // bursts again create nothing: every buffer came back from the pool
    expect(transfer.stats.groups).toBe(5);
  });

  it('inputs made on the GPU are handed on too; inputs written with writeBuffer never are', async () => {
    const { device, pool, transfer } = setup();
    const n = 260;
    // An input its job's own commands write (as an image's values or a gathered view are made).
    const onGpu = (data: Float32Array): Job['input'] => ({
      bytes: ceil16(n) * 4,
      record(encoder, input) {
        const values = Float32Array.from(data); // as the GPU would read it: when the commands run
        (encoder as unknown as { run(c: () => void): void }).run(() => {
          new Float32Array((input as unknown as FakeBuffer).data.buffer, 0, n).set(values);
        });
        return [];
      },
    });
    const burst = async (seed: number, made: (d: Float32Array) => ReturnType<typeof job>) => {
      const jobs = Array.from({ length: 100 }, (_, j) => ({ data: ramp(n, seed + j) })).map((d) => ({ ...d, ...made(d.data) }));
      const runs = jobs.map((m) => transfer.run(m.job));
      await drive(device);
      await Promise.all(runs);
      jobs.forEach((m) => expectResults(m.targets, m.data));
    };
    const gpu = (d: Float32Array) => job(d, 1, onGpu(d));
    await burst(0, gpu);
    expect(device.created.filter((b) => b.label === 'webgpu-gradient').length).toBe(8); // inputs and outputs of four jobs
    const created = pool.stats().created;
    await burst(1, gpu);
    expect(pool.stats().created).toBe(created);
    // Inputs written with writeBuffer when their group is recorded (not taken at the call): a buffer each,
    // since every write lands before any command of the submit runs. Right results prove it.
    await burst(2, (d) => job(d));
    expect(pool.stats().created - created).toBeGreaterThanOrEqual(100 - 64);
  });

  it('the upload path: writeBuffer up to WRITE_BUFFER_MAX, staging above, writeBuffer always where maps wait for a poll', () => {
    expect(throughStaging(WRITE_BUFFER_MAX, false)).toBe(false);
    expect(throughStaging(WRITE_BUFFER_MAX + 16, false)).toBe(true);
    expect(throughStaging(64 * 2 ** 20, true)).toBe(false);
  });
});

describe('readback slots and copies', () => {
  // Outputs in buffers at element offsets, as the host path places them (stacked a slab apart, or one
  // buffer each). Applied to random bytes, a job's copies must put each output's bytes at its slot
  // position, and the slot's regions must be disjoint, 16-byte aligned and inside resultBytes.
  const jobArb = fc
    .record({
      count: fc.integer({ min: 1, max: 70 }),
      eb: fc.constantFrom(2 as const, 4 as const),
      outputs: fc.integer({ min: 1, max: 4 }),
      stacked: fc.boolean(),
      slabPad: fc.integer({ min: 0, max: 3 }),
      start: fc.integer({ min: 0, max: 3 }),
    })
    .map(({ count, eb, outputs, stacked, slabPad, start }) => {
      // A slab of whole 8-element groups (16 bytes of halves), padded by 0-3 groups.
      const slab = (Math.ceil(count / 8) + slabPad) * 8;
      const places = Array.from({ length: outputs }, (_, k) => (stacked ? { buffer: 0, offset: k * slab } : { buffer: k, offset: 0 }));
      const output = { targets: [], elementBytes: eb, at: 0, count, buffers: [], places } as unknown as JobOutput;
      const job = { output } as unknown as Job;
      return { job, output, positions: slotPositions(job).map((p) => start * 16 + p), start, slab, stacked };
    });

  it('regions are disjoint and aligned; the copies bring every output to its position, stacked outputs in one', () => {
    fc.assert(
      fc.property(jobArb, ({ job, output, positions, start, slab, stacked }) => {
        const eb = output.elementBytes;
        const bytes = output.count * eb;
        positions.forEach((p, k) => {
          expect(p % 16).toBe(0);
          if (k > 0) expect(p).toBeGreaterThanOrEqual(positions[k - 1] + bytes);
        });
        expect(start * 16 + resultBytes(job)).toBeGreaterThanOrEqual(positions.at(-1)! + bytes);
        const bufferBytes = output.places.length * slab * eb + 64;
        const buffers = output.places.map((_, b) => Uint8Array.from({ length: bufferBytes }, (_, i) => (i * 7 + b * 13 + 1) % 251));
        const readback = new Uint8Array(start * 16 + resultBytes(job) + 64);
        // As recordJob copies: the slot layout's copies (made once, from the slot's start) moved to the slot.
        const copies = slotLayout(job).copies.map((c) => ({ ...c, to: start * 16 + c.to }));
        expect(copies).toEqual(readbackCopies(output, positions));
        for (const c of copies) {
          expect(c.from % 4).toBe(0);
          expect(c.to % 4).toBe(0);
          expect(c.bytes % 4).toBe(0);
          expect(c.from + c.bytes).toBeLessThanOrEqual(bufferBytes);
          expect(c.to + c.bytes).toBeLessThanOrEqual(start * 16 + resultBytes(job));
          readback.set(buffers[c.buffer].subarray(c.from, c.from + c.bytes), c.to);
        }
        output.places.forEach((place, k) => {
          const want = buffers[place.buffer].subarray(place.offset * eb, place.offset * eb + bytes);
          expect(readback.subarray(positions[k], positions[k] + bytes)).toEqual(want);
        });
        expect(copies).toHaveLength(stacked ? 1 : output.places.length);
      }),
      { numRuns: 500 },
    );
  });

  it('a slot layout is made once per places, count and element size; a group run refills its positions in place', () => {
    const places = [
      { buffer: 0, offset: 0 },
      { buffer: 0, offset: 64 },
    ];
    const job = (count: number, eb: 2 | 4) =>
      ({ output: { targets: [], elementBytes: eb, at: 0, count, buffers: [], places } }) as unknown as Job;
    const a = slotLayout(job(60, 4));
    expect(slotLayout(job(60, 4))).toBe(a); // another job of the same places: the same layout
    expect(slotLayout(job(61, 4))).not.toBe(a);
    expect(slotLayout(job(60, 2))).not.toBe(a);
    expect(a.slots).toEqual(slotPositions(job(60, 4)));
    const copied = { output: { ...job(60, 4).output, places: places.map((p) => ({ ...p })) } } as unknown as Job;
    expect(slotLayout(copied)).not.toBe(a); // equal places in another array: a layout of their own
    expect(slotLayout(copied)).toEqual(a);
    // Two jobs, then one: the second job's slot follows the first's, and the arrays are refilled.
    const positions: number[][] = [];
    const total = readbackLayout([job(60, 4), job(8, 4)], positions);
    expect(positions).toEqual([a.slots, slotLayout(job(8, 4)).slots.map((p) => p + a.bytes)]);
    expect(total).toBe(a.bytes + slotLayout(job(8, 4)).bytes);
    const first = positions[0];
    expect(readbackLayout([job(60, 4)], positions)).toBe(a.bytes);
    expect(positions).toEqual([a.slots]);
    expect(positions[0]).toBe(first);
  });
});
