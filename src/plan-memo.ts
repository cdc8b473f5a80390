import type { DataInfo } from './data.js';
import type { Plan } from './plan.js';
import { typedArrayName } from './typed.js';

/**
 * The plans of the last few host calls, found again when a call repeats one's arguments: the same method
 * and number of components, an input of the same length, kind and view shape, and options equal value by
 * value (arrays and typed arrays element by element). A repeated call then skips planning and the checks
 * that depend on nothing else. The options are copied when a plan is kept, so changing them in place
 * afterwards is seen. Only plain objects whose values are numbers, strings, booleans, arrays, typed
 * arrays or such plain objects (`sphere`), with at most MAX_ELEMENTS elements in all, are kept: a call
 * with long coordinate arrays compares and copies nothing and is planned every time, and so is one on
 * prepared coordinates, whose plan holds the grid's metric terms (32 MB for a 1024² grid in 2-D) that a
 * kept plan would keep alive after the caller let them go. What planning costs per small call: bench/NOTES.md (third session of 2026-12-06).
 */

const ENTRIES = 8;

/**
 * Whether a plan may be kept: not one that holds the caller's mask (changed in place, it is read as it is
 * at each call) or a curvilinear grid's metric terms (large); a sphere's rows per latitude are small.
 */
export function keepsPlan(plan: Plan): boolean {
  return !plan.mask && plan.grid?.kind !== 'curvilinear';
}
const MAX_ELEMENTS = 4096;

/** A copy of an option's value, as compared. */
type Snapshot =
  | { readonly kind: 'value'; readonly value: unknown }
  | { readonly kind: 'array'; readonly items: readonly Snapshot[] }
  | { readonly kind: 'typed'; readonly name: string; readonly values: readonly number[] }
  | { readonly kind: 'object'; readonly keys: readonly string[]; readonly items: readonly Snapshot[] };

interface Entry<T> {
  readonly method: string;
  readonly components: number;
  readonly length: number;
  readonly dataKind: string;
  readonly shape: readonly number[] | undefined;
  readonly keys: readonly string[];
  readonly values: readonly Snapshot[];
  readonly result: T;
}

export class PlanMemo<T> {
  private readonly entries: Entry<T>[] = [];

  /** `ignore`: options that do not reach the plan (out, outputType, device). */
  constructor(private readonly ignore: readonly string[]) {}

  /** What `remember` kept for these arguments, or undefined. */
  find(method: string, components: number, info: DataInfo, options: unknown): T | undefined {
    const entries = this.entries;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      if (e.method !== method || e.components !== components || e.length !== info.length || e.dataKind !== info.kind) continue;
      if (!sameShape(e.shape, info.shape) || !this.sameOptions(e, options)) continue;
      if (i > 0) {
        entries.splice(i, 1);
        entries.unshift(e);
      }
      return e.result;
    }
    return undefined;
  }

  /** Keeps `result` for these arguments (planned and checked now), where they can be kept; whether it was. */
  remember(method: string, components: number, info: DataInfo, options: unknown, result: T): boolean {
    const copied = this.copyOptions(options);
    if (!copied) return false;
    const { kind: dataKind, length, shape } = info;
    this.entries.unshift({ method, components, length, dataKind, shape: shape && [...shape], ...copied, result });
    if (this.entries.length > ENTRIES) this.entries.pop();
    return true;
  }

  private sameOptions(entry: Entry<T>, options: unknown): boolean {
    if (options === undefined || options === null) return entry.keys.length === 0;
    if (!isPlain(options)) return false;
    const record = options as Record<string, unknown>;
    let count = 0;
    for (const key in record) {
      if (this.ignore.includes(key)) continue;
      const k = entry.keys.indexOf(key);
      if (k < 0 || !equal(record[key], entry.values[k])) return false;
      count++;
    }
    return count === entry.keys.length;
  }

  private copyOptions(options: unknown): { keys: string[]; values: Snapshot[] } | null {
    if (options === undefined || options === null) return { keys: [], values: [] };
    if (!isPlain(options)) return null;
    const record = options as Record<string, unknown>;
    const keys: string[] = [];
    const values: Snapshot[] = [];
    const budget = { left: MAX_ELEMENTS };
    for (const key in record) {
      if (this.ignore.includes(key)) continue;
      const snapshot = copy(record[key], budget, true);
      if (!snapshot) return null;
      keys.push(key);
      values.push(snapshot);
    }
    return { keys, values };
  }
}

/** A plain object: its prototype is Object.prototype (of any realm) or null. */
function isPlain(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === null || Object.getPrototypeOf(proto) === null;
}

function sameShape(a: readonly number[] | undefined, b: readonly number[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * A copy of `value` to compare later calls with, or null where it is not kept (another kind of object, or
 * too long). A plain object is kept only as an option's own value (`sphere`), not inside arrays.
 */
function copy(value: unknown, budget: { left: number }, option = false): Snapshot | null {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return { kind: 'value', value };
  if (Array.isArray(value)) {
    budget.left -= value.length;
    if (budget.left < 0) return null;
    const items: Snapshot[] = [];
    for (const item of value) {
      const c = copy(item, budget);
      if (!c) return null;
      items.push(c);
    }
    return { kind: 'array', items };
  }
  if (option && isPlain(value)) {
    // A nested options object (`sphere`): its own values, the same way.
    const keys: string[] = [];
    const items: Snapshot[] = [];
    for (const key in value as Record<string, unknown>) {
      const c = copy((value as Record<string, unknown>)[key], budget);
      if (!c) return null;
      keys.push(key);
      items.push(c);
    }
    return { kind: 'object', keys, items };
  }
  const name = typedArrayName(value);
  if (name && name !== 'DataView' && name !== 'BigInt64Array' && name !== 'BigUint64Array') {
    const typed = value as ArrayLike<number>;
    budget.left -= typed.length;
    if (budget.left < 0) return null;
    return { kind: 'typed', name, values: Array.from(typed) };
  }
  return null;
}

function equal(value: unknown, s: Snapshot): boolean {
  switch (s.kind) {
    case 'value':
      return Object.is(value, s.value);
    case 'array': {
      if (!Array.isArray(value) || value.length !== s.items.length) return false;
      for (let i = 0; i < value.length; i++) if (!equal(value[i], s.items[i])) return false;
      return true;
    }
    case 'object': {
      if (!isPlain(value)) return false;
      const record = value as Record<string, unknown>;
      let count = 0;
      for (const key in record) {
        const k = s.keys.indexOf(key);
        if (k < 0 || !equal(record[key], s.items[k])) return false;
        count++;
      }
      return count === s.keys.length;
    }
    case 'typed': {
      if (typedArrayName(value) !== s.name) return false;
      const typed = value as ArrayLike<number>;
      if (typed.length !== s.values.length) return false;
      for (let i = 0; i < typed.length; i++) if (!Object.is(typed[i], s.values[i])) return false;
      return true;
    }
  }
}
