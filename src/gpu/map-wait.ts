import { dawnTask, engine } from './device.js';

/**
 * Waiting for buffer maps. Firefox resolves mapAsync only at a periodic poll (about a tenth of a second)
 * unless more work is submitted; with an empty command buffer submitted every millisecond while a map is
 * pending, a small call in headless Firefox ESR 153 became some sixty times faster (bench/NOTES.md, host
 * path; bench/latency.mjs). So there, and only there, the queue is kept moving while any map is pending.
 * Deno's wgpu maps are slow too, but submits do not shorten them; Dawn (Chromium, Node, Bun) needs none.
 */

/** Whether this engine resolves maps only at its poll unless work is submitted (Firefox, told by its user agent). */
export function mapsWaitForPoll(): boolean {
  return engine() === 'firefox';
}

export class MapWaiter {
  private pending = 0;
  private poker: ReturnType<typeof setInterval> | null = null;

  /** `whileAlive` fails a wait as soon as the device is lost; `polling`: keep the queue moving (mapsWaitForPoll). */
  constructor(
    private readonly device: GPUDevice,
    private readonly polling: boolean,
    private readonly whileAlive: <T>(promise: Promise<T>) => Promise<T>,
  ) {}

  /**
   * Waits for `map` (counted as a Dawn task, so Dawn's instance outlives it), poking the queue where maps
   * wait for a poll, and failing as soon as the device is lost. A map rejected without a reason rejects
   * with 'map failed'.
   */
  wait(map: Promise<void>): Promise<void> {
    this.started();
    return this.whileAlive(dawnTask(map).then(this.mapped, this.failed));
  }

  /** A map is being waited for by a caller that reacts to it itself (group-run.ts): tell `settled` once it has. */
  started(): void {
    this.pending++;
    if (this.polling && !this.poker) {
      this.poker = setInterval(() => this.device.queue.submit([this.device.createCommandEncoder().finish()]), 1);
    }
  }

  // Made once: every call waits for a map.
  private readonly mapped = () => this.settled();
  private readonly failed = (error: unknown) => {
    this.settled();
    throw error ?? new Error('map failed');
  };

  settled(): void {
    if (--this.pending === 0) this.stop();
  }

  /** Stops poking (no map pending, or the context is closing). */
  stop(): void {
    if (this.poker) clearInterval(this.poker);
    this.poker = null;
  }
}
