/**
 * Float64 scratch arrays kept from one call to the next through weak references, one per slot: a repeated
 * call reuses them while the collector has left them, and they keep no memory alive. Fresh memory is
 * page-faulted on first touch: a 2048² Hessian on the VM of bench/NOTES.md without huge pages took 46 ms
 * with a new 32 MiB scratch array each call (ninth session). The derivatives' programs (derivatives.ts)
 * and the fields' slabs (windows.ts) each keep their own set.
 */
export class KeptScratch<A extends Float64Array | Uint8Array = Float64Array> {
  private readonly kept: (WeakRef<A> | undefined)[] = [];

  /** Arrays of another type than float64 (gaps.ts keeps bytes): `make` makes one of a length. */
  constructor(private readonly make: (length: number) => A = (length) => new Float64Array(length) as A) {}

  /** Slot `slot`'s array of `length` elements (a kept longer one's first `length`), valid until the slot is asked for again. */
  array(slot: number, length: number): A {
    const kept = this.kept[slot]?.deref();
    if (kept !== undefined && kept.length >= length) return kept.length === length ? kept : (kept.subarray(0, length) as A);
    const made = this.make(length);
    this.kept[slot] = new WeakRef(made);
    return made;
  }
}
