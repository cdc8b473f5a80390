import { describe, GradientError } from './errors.js';
import type { GradientOptions } from './types.js';

/**
 * Image gradients, shared by the CPU reference and the GPU path: the options and how a pixel becomes a
 * value (luminance or one channel).
 */

/** Which number a pixel gives: luminance (default) or one channel, on the 0–255 scale. */
export type ImageChannel = 'luminance' | 'r' | 'g' | 'b' | 'a';

/** Options of `gpuImageGradient` and `cpuImageGradient`: the plan's options except `shape` (the image gives it). */
export interface ImageGradientOptions extends Omit<GradientOptions, 'shape' | 'invalid' | 'mask'> {
  /**
   * 'luminance' (default): 0.299 R + 0.587 G + 0.114 B of the 0–255 values, as PIL's "L" and OpenCV's grey
   * conversion, unrounded. 'r', 'g', 'b', 'a': that channel alone. Colours are taken as stored, not
   * premultiplied by alpha, and alpha plays no part in luminance.
   */
  channel?: ImageChannel;
  /** 'gradient' (default): [d/drow, d/dcol] (or the selected axes). 'magnitude': one array, √(Σ (∂f/∂x_k)²). */
  output?: 'gradient' | 'magnitude';
}

/** Pixels in ImageData's layout, as the CPU reference reads them. */
export interface ImagePixels {
  /** Pixels per row. */
  readonly width: number;
  /** Rows. */
  readonly height: number;
  /** R, G, B, A (0–255) of each pixel, row by row: 4·width·height numbers. */
  readonly data: ArrayLike<number>;
}

/** Pixels in ImageData's layout as bytes: what the GPU path takes where no ImageData exists (Node). */
export interface ImageBytes extends ImagePixels {
  /** R, G, B, A of each pixel, row by row: 4·width·height bytes. */
  readonly data: Uint8Array | Uint8ClampedArray;
}

/** Luminance weights of R, G, B (ITU-R BT.601, as PIL and OpenCV). */
export const LUMINANCE = [0.299, 0.587, 0.114] as const;

export const CHANNELS: readonly ImageChannel[] = ['luminance', 'r', 'g', 'b', 'a'];

/** Keys the image functions read themselves; the rest go to the plan. */
export const IMAGE_OPTION_KEYS = ['channel', 'output'];

/** Checks the image-only options; returns them with the plan's options. */
export function imageOptions(options: ImageGradientOptions | undefined): {
  channel: ImageChannel;
  output: 'gradient' | 'magnitude';
  planOptions: GradientOptions;
} {
  if (options === undefined || options === null) options = {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new GradientError('invalid-option', `options: ${describe(options)} must be an object`);
  }
  const { channel = 'luminance', output = 'gradient', ...planOptions } = options;
  if (!CHANNELS.includes(channel)) {
    throw new GradientError('invalid-option', `channel: ${describe(channel)} must be one of ${CHANNELS.map((c) => `'${c}'`).join(', ')}`);
  }
  if (output !== 'gradient' && output !== 'magnitude') {
    throw new GradientError('invalid-option', `output: ${describe(output)} must be 'gradient' or 'magnitude'`);
  }
  if ('shape' in planOptions) {
    throw new GradientError(
      'invalid-option',
      `shape: ${describe((planOptions as GradientOptions).shape)} is given by the image (height, width)`,
    );
  }
  if ('mask' in planOptions || (planOptions as GradientOptions).invalid !== undefined) {
    const name = 'mask' in planOptions ? 'mask' : 'invalid';
    throw new GradientError(
      'invalid-option',
      `${name}: ${describe((planOptions as Record<string, unknown>)[name])} does not apply to images (their values are always finite; gaps are for arrays)`,
    );
  }
  for (const name of ['coordinates', 'sphere'] as const) {
    if ((planOptions as GradientOptions)[name] !== undefined) {
      throw new GradientError(
        'invalid-option',
        `${name}: does not apply to images (a pixel grid; take the image's values with cpuImageGradient's data or a host array for grids)`,
      );
    }
  }
  return { channel, output, planOptions };
}
