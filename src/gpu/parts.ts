import type { ImageTextures } from './image.js';
import type { KeptBindings } from './kept-groups.js';
import type { Lifecycle } from './lifecycle.js';
import type { PipelineCache } from './pipelines.js';
import type { BufferPool } from './pool.js';
import type { GpuLimits } from './steps.js';
import type { Transfer } from './transfer.js';
import type { WorkCache } from './work-cache.js';

/**
 * What a context is made of, as the modules it wires see it: the context builds one such object, and
 * each module takes the parts it needs, named below (instead of an interface of its own per module).
 */
export interface ContextParts {
  readonly device: GPUDevice;
  /** The device limits the planners work within. */
  readonly limits: GpuLimits;
  readonly pipelines: PipelineCache;
  readonly pool: BufferPool;
  /** Destroyed or lost: checks and waits that fail on loss. */
  readonly life: Lifecycle;
  readonly transfer: Transfer;
  /** The largest piece of a host call, each way (bytes). */
  readonly chunkBytes: number;
  /** The textures images are copied into. */
  readonly textures: ImageTextures;
  /** Work kept for repeated whole-array host calls (work-cache.ts). */
  readonly works: WorkCache;
  /** Bind groups and uniforms kept for repeated image conversions and GPU gathers (kept-groups.ts). */
  readonly kept: KeptBindings;
}

/** What recording work borrows: the device, its pipelines (layout, empty weights) and the pool. */
export type Recorder = Pick<ContextParts, 'device' | 'limits' | 'pipelines' | 'pool'>;
/** What a host call uses. */
export type HostRuntime = Recorder & Pick<ContextParts, 'life' | 'transfer' | 'chunkBytes' | 'works' | 'kept'>;
/** What an image call uses. */
export type ImageRuntime = HostRuntime & Pick<ContextParts, 'textures'>;
/** What preparing a kernel (prepare, prepareImage) uses. */
export type PrepareRuntime = Pick<ContextParts, 'device' | 'limits' | 'pipelines' | 'life'>;
