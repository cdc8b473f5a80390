import { isDetached, typedArrayName } from './typed.js';

/** Every error the library throws on purpose. `code` is stable and documented in README. */
export type GradientErrorCode =
  | 'invalid-data'
  | 'invalid-shape'
  | 'invalid-axis'
  | 'invalid-spacing'
  | 'invalid-edge-order'
  | 'axis-too-short'
  | 'invalid-option'
  | 'invalid-buffer'
  | 'too-large'
  | 'no-webgpu'
  | 'device-lost'
  | 'destroyed'
  | 'worker-error'
  | 'gpu-error';

/** The error the library throws (or rejects with) for bad input, missing WebGPU, device loss and GPU failures. */
export class GradientError extends Error {
  /** What went wrong, for code that handles errors (README, "Errors", lists each). */
  readonly code: GradientErrorCode;
  constructor(code: GradientErrorCode, message: string) {
    super(message);
    this.name = 'GradientError';
    this.code = code;
  }
}

/** Short, readable rendering of a user value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (Array.isArray(value))
    return value.length > 8
      ? `[${value.slice(0, 8).map(describe).join(', ')}, …] (length ${value.length})`
      : `[${value.map(describe).join(', ')}]`;
  if (ArrayBuffer.isView(value)) {
    const type = typedArrayName(value);
    const own = (value.constructor as { name?: string } | undefined)?.name;
    const name = type === undefined ? own || 'DataView' : own && own !== type ? `${own} (a ${type})` : type;
    const size = type === undefined ? `${value.byteLength} bytes` : (value as unknown as ArrayLike<unknown>).length;
    return `${name}(${size})${isDetached(value) ? ' on a detached or empty buffer' : ''}`;
  }
  if (typeof value === 'object') return value.constructor && value.constructor !== Object ? value.constructor.name : 'object';
  return typeof value;
}
