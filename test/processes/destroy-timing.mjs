// Destroys the default context (and createGradient() contexts) 0, 1, 10 and 100 ms after a first call,
// over and over, collecting garbage between rounds, then keeps the process alive for a second: Dawn's
// instance must outlive every device and every pending map, scope and compile made from it. Run by
// test/reliability.test.ts with `node --expose-gc` against the built dist/; prints `alive <rounds>` at the end.
// Before the fix, a destroy 1 ms after the first call crashed the process in 8 runs out of 8 (SIGSEGV in
// Dawn's InstanceBase::ProcessEvents, or SIGABRT).
const lib = await import(new URL('../../dist/index.js', import.meta.url).href);
const rounds = Number(process.argv[2] ?? 3);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const data = Float32Array.from({ length: 48 }, Math.sin);
const expected = (e) => {
  if (!(e instanceof lib.GradientError) || e.code !== 'destroyed') throw e;
};
let done = 0;
for (let round = 0; round < rounds; round++) {
  for (const delay of [0, 1, 10, 100]) {
    const call = lib.gpuGradient(data, { shape: [6, 8] });
    if (delay) await sleep(delay);
    const destroyed = lib.destroyDefaultGradient();
    await call.then(() => {}, expected);
    await destroyed;
    globalThis.gc?.();

    const ctx = await lib.createGradient();
    const own = ctx.gradient(data, { shape: [6, 8] });
    if (delay) await sleep(delay);
    ctx.destroy();
    await own.then(() => {}, expected);
    await lib.destroyDefaultGradient(); // lets Dawn go once that context's device is gone
    globalThis.gc?.();
    done++;
  }
}
await sleep(1000);
globalThis.gc?.();
await sleep(50);
console.log(`alive ${done}`);
