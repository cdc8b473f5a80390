import {
  cpuCurl,
  cpuDivergence,
  cpuGradient,
  cpuGradientMagnitude,
  cpuImageGradient,
  describeAdapter,
  GradientError,
  type GradientOptions,
  gpuCurl,
  gpuDivergence,
  gpuGradient,
  gpuGradientMagnitude,
  gpuImageGradient,
  type ImageGradientOptions,
  type NumericArray,
} from '../src/index';

/** Which engine the demo uses: WebGPU when the browser offers an adapter, else the CPU reference. */
export interface Backend {
  readonly kind: 'gpu' | 'cpu';
  readonly adapterName: string;
  /** Why WebGPU is not used (only for the CPU backend). */
  readonly reason: string;
  gradient(data: NumericArray, options: GradientOptions): Promise<ArrayLike<number>[]>;
  /** |∇f| in one fused pass (gpuGradientMagnitude), or its CPU reference. */
  magnitude(data: NumericArray, options: GradientOptions): Promise<ArrayLike<number>>;
  /** Curl and divergence of a vector field (one fused pass each on the GPU). */
  curl(components: NumericArray[], options: GradientOptions): Promise<ArrayLike<number>[]>;
  divergence(components: NumericArray[], options: GradientOptions): Promise<ArrayLike<number>>;
  /** gpuImageGradient of a canvas (its pixels go to the GPU as they are), or cpuImageGradient of its ImageData. */
  image(canvas: HTMLCanvasElement, options: ImageGradientOptions): Promise<ArrayLike<number>[]>;
}

/** An adapter, or the library's own no-webgpu message, which says why and what to do in this browser. */
async function whyNoWebGPU(): Promise<{ adapter: GPUAdapter | null; reason: string }> {
  try {
    const adapter = await navigator.gpu?.requestAdapter({ powerPreference: 'high-performance' });
    if (adapter) return { adapter, reason: '' };
  } catch {
    /* the library's message below says why */
  }
  const error = await gpuGradient([0, 1]).then(
    () => null,
    (e: unknown) => e,
  );
  return { adapter: null, reason: error instanceof GradientError ? error.message : `WebGPU offered no adapter (${String(error)})` };
}

export async function chooseBackend(): Promise<Backend> {
  const { adapter, reason } = await whyNoWebGPU();
  if (adapter) {
    return {
      kind: 'gpu',
      adapterName: describeAdapter(adapter),
      reason: '',
      gradient: (d, o) => gpuGradient(d, o),
      magnitude: (d, o) => gpuGradientMagnitude(d, o),
      curl: (c, o) => gpuCurl(c, o),
      divergence: (c, o) => gpuDivergence(c, o),
      image: (c, o) => gpuImageGradient(c, o),
    };
  }
  return {
    kind: 'cpu',
    adapterName: '',
    reason,
    gradient: async (d, o) => cpuGradient(d, o),
    magnitude: async (d, o) => cpuGradientMagnitude(d, o),
    curl: async (c, o) => cpuCurl(c, o),
    divergence: async (c, o) => cpuDivergence(c, o),
    image: async (c, o) => cpuImageGradient(c.getContext('2d', { willReadFrequently: true })!.getImageData(0, 0, c.width, c.height), o),
  };
}

/** Shortest readable form of a float32 result (5.000000000001 → 5). */
export function formatNumbers(values: ArrayLike<number>, digits = 4): string {
  return Array.from(values, (v) => String(Number(v.toPrecision(digits)))).join(', ');
}
