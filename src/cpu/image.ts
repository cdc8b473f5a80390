import { describe, GradientError } from '../errors.js';
import { type ImageChannel, type ImageGradientOptions, type ImagePixels, imageOptions, LUMINANCE } from '../image.js';
import { cpuGradientMagnitude } from './derived.js';
import { cpuGradient } from './gradient.js';

/**
 * The float64 reference of gpuImageGradient: the image's luminance (or one channel) as an array of shape
 * [height, width], then cpuGradient (or its magnitude). `image` is an ImageData or anything with its
 * layout.
 */
export function cpuImageGradient(image: ImagePixels, options?: ImageGradientOptions): Float64Array[] {
  const { channel, output, planOptions } = imageOptions(options);
  const values = imageValues(image, channel);
  const opts = { ...planOptions, shape: [image.height, image.width] };
  return output === 'magnitude' ? [cpuGradientMagnitude(values, opts)] : cpuGradient(values, opts);
}

/** One value per pixel: luminance of the 0–255 values, or one channel. */
export function imageValues(image: ImagePixels, channel: ImageChannel): Float64Array {
  const { width, height, data } = image ?? ({} as ImagePixels);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new GradientError('invalid-data', `image: width ${describe(width)} and height ${describe(height)} must be positive integers`);
  }
  if (!data || data.length !== 4 * width * height) {
    throw new GradientError('invalid-data', `image.data: ${describe(data)} must hold 4 numbers (RGBA) per pixel, ${4 * width * height}`);
  }
  const values = new Float64Array(width * height);
  const [wr, wg, wb] = LUMINANCE;
  const only = { r: 0, g: 1, b: 2, a: 3, luminance: -1 }[channel];
  for (let p = 0; p < values.length; p++) {
    const q = 4 * p;
    values[p] = only >= 0 ? data[q + only] : wr * data[q] + wg * data[q + 1] + wb * data[q + 2];
  }
  return values;
}
