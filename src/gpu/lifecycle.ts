import { GradientError } from '../errors.js';

/** Who holds the device a context runs on; it shapes what a device-loss error tells the caller to do. */
export type DeviceOwner = 'caller' | 'context' | 'default';

/**
 * Whether a context can still be used: destroyed by its owner, or its device lost. Pending device
 * promises awaited through `whileAlive` reject with `device-lost` as soon as the device goes away.
 */
export class Lifecycle {
  private lostMessage: string | null = null;
  private destroyedFlag = false;
  private readonly waiting = new Set<(error: unknown) => void>();

  /** `onLost` runs once the device is lost, before pending waits reject: it forgets what died with it. */
  constructor(
    device: GPUDevice,
    private readonly owner: DeviceOwner,
    onLost: () => void,
  ) {
    device.lost.then((info) => {
      this.lostMessage = info.message || info.reason || 'device lost';
      onLost();
      for (const reject of this.waiting) reject(this.lostError());
    });
  }

  get isLost(): boolean {
    return this.lostMessage !== null;
  }

  get isDestroyed(): boolean {
    return this.destroyedFlag;
  }

  /** Marks the context destroyed; false if it already was. */
  markDestroyed(): boolean {
    if (this.destroyedFlag) return false;
    this.destroyedFlag = true;
    return true;
  }

  /** Throws `destroyed` or `device-lost` if the context can no longer be used. */
  checkUsable(): void {
    if (this.destroyedFlag) throw destroyedError();
    if (this.lostMessage) throw this.lostError();
  }

  /** Calls `lost` with device-lost as soon as the device goes away (for as long as the context lives). */
  watch(lost: (error: unknown) => void): void {
    this.waiting.add(lost);
  }

  /** Awaits `promise`, failing with device-lost as soon as the device goes away. */
  whileAlive<T>(promise: Promise<T>): Promise<T> {
    // Settled by hand rather than through then(...).finally(...): two promises and their wrappers fewer on
    // every wait of every call (bench/NOTES.md, garbage per call).
    return new Promise<T>((resolve, reject) => {
      this.waiting.add(reject);
      promise.then(
        (value) => {
          this.waiting.delete(reject);
          resolve(value);
        },
        (error: unknown) => {
          this.waiting.delete(reject);
          reject(error);
        },
      );
    });
  }

  /**
   * The error to report for a caught one: once the context is destroyed, `destroyed` wins (the device
   * a context destroys with itself is lost as a result); once the device is lost otherwise, device-lost.
   */
  translate(error: unknown): unknown {
    if (this.destroyedFlag) return error instanceof GradientError && error.code === 'destroyed' ? error : destroyedError();
    if (this.lostMessage && !(error instanceof GradientError && error.code === 'device-lost')) return this.lostError();
    return error;
  }

  private lostError(): GradientError {
    const lost = `the GPU device ${this.owner === 'caller' ? 'you supplied ' : ''}was lost (${this.lostMessage})`;
    const next = {
      default: 'the next call acquires a new one',
      context: 'this context is unusable: create a new one with createGradient()',
      caller: 'pass a new device',
    }[this.owner];
    return new GradientError('device-lost', `${lost}; ${next}`);
  }
}

function destroyedError(): GradientError {
  return new GradientError('destroyed', 'this gradient context was destroyed; create a new one');
}
