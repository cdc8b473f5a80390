import type { BufferPool } from './pool.js';
import { soon } from './soon.js';

/**
 * The input buffers of one-piece host calls: the inputs taken in one turn of the event loop (concurrent
 * calls) are written side by side into one pooled GPU buffer, an arena, instead of one buffer each. A
 * batch of concurrent calls of one plan is then computed over its inputs where they lie (group.ts), and
 * a turn creates at most a few buffers: 1,000 concurrent 64² calls created 939 buffers and pushed 1,880
 * error scopes before (through Dawn on SwiftShader, about 13 µs a buffer and 5 µs a pair of scopes with
 * their pops; bench/NOTES.md, 2026-12-06, third session).
 *
 * An arena takes inputs until the turn ends (a microtask after its first take) or until one does not fit;
 * the next is then twice as large, and a turn's first arena is as large as everything the previous turn
 * took, so a program that makes the same burst of calls again takes it into one arena. Sequential calls
 * take one input per turn: their arena is the one pooled buffer of their size that a call took before.
 * An arena goes back to the pool once it has stopped taking and the last job that read it has ended;
 * a job that failed makes it be destroyed instead (its commands may still be reading it).
 */

/** Bytes between inputs in an arena: every input is a whole number of 16-byte words (inputBytes). */
const SLOT_ALIGNMENT = 16;

export class InputArena {
  /** Bytes handed out. */
  used = 0;
  /** Taken inputs in it whose jobs have not ended. */
  private users = 0;
  private taking = true;
  private failed = false;

  constructor(
    private buffer_: GPUBuffer,
    private created_: boolean,
    private readonly pool: BufferPool,
    /** Told once the arena has gone back to the pool (or been destroyed): it may then serve another buffer (`reset`). */
    private readonly freed: (arena: InputArena) => void,
  ) {}

  get buffer(): GPUBuffer {
    return this.buffer_;
  }

  /**
   * Created for this turn rather than taken from the pool: writes into it run inside error scopes, as
   * its creation did (writes into a buffer that failed to allocate are validation errors).
   */
  get created(): boolean {
    return this.created_;
  }

  /** An arena that was freed, made new on `buffer`: nothing holds a place in it any more. */
  reset(buffer: GPUBuffer, created: boolean): this {
    this.buffer_ = buffer;
    this.created_ = created;
    this.used = 0;
    this.users = 0;
    this.taking = true;
    this.failed = false;
    return this;
  }

  /** Byte offset of `bytes` more, at a multiple of `align`, which fit. */
  place(bytes: number, align: number): number {
    const offset = this.next(align);
    this.used = offset + bytes;
    this.users++;
    return offset;
  }

  /** Whether `bytes` more fit at a multiple of `align`. */
  fits(bytes: number, align: number): boolean {
    return this.taking && this.next(align) + bytes <= this.buffer.size;
  }

  private next(align: number): number {
    return Math.ceil(this.used / align) * align;
  }

  /** A job reading it has ended (or its call failed before the job ran); `failed`: its group failed. */
  end(failed: boolean): void {
    this.failed ||= failed;
    if (--this.users === 0 && !this.taking) this.free();
  }

  /** Takes no more inputs; ends once its jobs have. */
  close(): void {
    if (!this.taking) return;
    this.taking = false;
    if (this.users === 0) this.free();
  }

  /** Back to the pool, or destroyed after a failure (its commands may still be reading it). */
  private free(): void {
    if (this.failed) this.pool.destroy(this.buffer);
    else this.pool.release(this.buffer);
    this.freed(this);
  }
}

export class InputArenas {
  private current: InputArena | null = null;

  /**
   * The arena of the place last given (pooledSlot, slot: the current one). A place is its offset alone,
   * not an object with its arena: that object was 42 bytes a call (bench/NOTES.md, fifteenth session).
   */
  get placedArena(): InputArena {
    return this.current!;
  }
  /** Bytes taken in the current turn, and in the last turn that took any (the next turn's first arena). */
  private turnBytes = 0;
  private lastTurnBytes = 0;
  private turnOpen = false;
  private readonly endTurnSoon = () => this.endTurn();
  /**
   * An arena freed, to serve the next buffer: sequential calls open an arena a turn, and one made afresh
   * cost about 80 bytes a call (bench/NOTES.md, eleventh session).
   */
  private spare: InputArena | null = null;
  private readonly keepSpare = (arena: InputArena) => {
    this.spare = arena;
  };

  /** `maxBytes`: the largest arena (an input larger than it has an arena of its own size). */
  constructor(
    private readonly pool: BufferPool,
    private readonly usage: number,
    private readonly maxBytes: number,
  ) {}

  /**
   * A place for an input of `bytes` (a multiple of 16) in an arena taken from the pool — its byte offset
   * in `placedArena`, a multiple of `align` (16 or more; bytes a pass binds where they lie ask the storage binding's, span.ts) —
   * or −1 where an arena would have to be created (`slot` then makes it, inside the caller's error
   * scopes): writing into a pooled arena cannot fail validation, and needs no scopes.
   */
  pooledSlot(bytes: number, align = SLOT_ALIGNMENT): number {
    const current = this.current;
    if (current && !current.created && current.fits(bytes, align)) return this.placed(current, bytes, align);
    if (current?.fits(bytes, align)) return -1; // created this turn: written inside scopes
    const buffer = this.pool.reuse(this.nextBytes(bytes), this.usage);
    return buffer ? this.placed(this.open(buffer, false), bytes, align) : -1;
  }

  /** A place for an input of `bytes` (a multiple of 16) in this turn's arena, which may be created now: its byte offset in `placedArena`, a multiple of `align`. */
  slot(bytes: number, align = SLOT_ALIGNMENT): number {
    const current = this.current;
    if (current?.fits(bytes, align)) return this.placed(current, bytes, align);
    const size = this.nextBytes(bytes);
    const reused = this.pool.reuse(size, this.usage);
    const arena = this.open(reused ?? this.pool.create(size, this.usage, 'webgpu-gradient inputs'), !reused);
    return this.placed(arena, bytes, align);
  }

  /** Closes the current arena (the context is closing). */
  close(): void {
    this.current?.close();
    this.current = null;
  }

  /** Bytes of the next arena: twice the current one, at least what the last turn took, at most maxBytes, and room for `bytes`. */
  private nextBytes(bytes: number): number {
    return Math.max(bytes, Math.min(this.maxBytes, Math.max(2 * (this.current?.buffer.size ?? 0), this.lastTurnBytes)));
  }

  private placed(arena: InputArena, bytes: number, align: number): number {
    const offset = arena.place(bytes, align);
    if (!this.turnOpen) {
      this.turnOpen = true;
      soon(this.endTurnSoon);
    }
    this.turnBytes += bytes;
    return offset;
  }

  /** The arena on `buffer` takes this turn's next inputs; the current one takes no more. */
  private open(buffer: GPUBuffer, created: boolean): InputArena {
    this.current?.close(); // freed now if no job reads it: then it is the spare taken below
    const arena = this.spare?.reset(buffer, created) ?? new InputArena(buffer, created, this.pool, this.keepSpare);
    this.spare = null;
    this.current = arena;
    return arena;
  }

  private endTurn(): void {
    this.turnOpen = false;
    this.lastTurnBytes = this.turnBytes;
    this.turnBytes = 0;
    this.close();
  }
}
