/**
 * Bytes allocated while `loop` runs, from V8's sampling heap profiler (a sample every 64 bytes, objects
 * already collected kept): `own`, in the frames of the library's sources (src/), and `all`, every frame.
 * Divide by the iterations `loop` made. The profiler attributes an allocation to the frame that made it,
 * inlined functions to the function they were inlined into.
 */
export async function sampledBytes(loop: () => unknown): Promise<{ own: number; all: number }> {
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  try {
    await session.post('HeapProfiler.enable');
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 64,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    await loop();
    const { profile } = await session.post('HeapProfiler.stopSampling');
    let own = 0;
    let all = 0;
    const walk = (node: typeof profile.head): void => {
      if (node.callFrame.url.includes('/src/')) own += node.selfSize;
      all += node.selfSize;
      node.children.forEach(walk);
    };
    walk(profile.head);
    return { own, all };
  } finally {
    session.disconnect();
  }
}
