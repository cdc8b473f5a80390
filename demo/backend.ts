import {
  cpuGradient, cpuGradientMagnitude, gpuGradient, gpuGradientMagnitude, type GradientOptions, type NumericArray,
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
}

async function whyNoWebGPU(): Promise<{ adapter: GPUAdapter | null; reason: string }> {
  if (!window.isSecureContext) {
    return { adapter: null, reason: 'this page is not a secure context: WebGPU needs https:// or http://localhost (127.0.0.1)' };
  }
  if (!('gpu' in navigator) || !navigator.gpu) {
    return { adapter: null, reason: 'this browser has no WebGPU (navigator.gpu is missing): use a current Chrome or Edge, Safari 26+ or Firefox 141+, or enable WebGPU in the browser\'s flags' };
  }
  try {
    const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (adapter) return { adapter, reason: '' };
  } catch { /* fall through */ }
  return { adapter: null, reason: 'WebGPU is present but offers no adapter: the GPU may be blocklisted or WebGPU disabled (in Chrome see chrome://gpu, or start it with --enable-unsafe-webgpu)' };
}

export function adapterLabel(adapter: GPUAdapter): string {
  const i = adapter.info;
  return [i.vendor, i.architecture, i.device, i.description].filter(Boolean).join(' ').trim() || 'unnamed WebGPU adapter';
}

export async function chooseBackend(): Promise<Backend> {
  const { adapter, reason } = await whyNoWebGPU();
  if (adapter) {
    return {
      kind: 'gpu', adapterName: adapterLabel(adapter), reason: '',
      gradient: (d, o) => gpuGradient(d, o), magnitude: (d, o) => gpuGradientMagnitude(d, o),
    };
  }
  return {
    kind: 'cpu', adapterName: '', reason,
    gradient: async (d, o) => cpuGradient(d, o), magnitude: async (d, o) => cpuGradientMagnitude(d, o),
  };
}

/** Shortest readable form of a float32 result (5.000000000001 → 5). */
export function formatNumbers(values: ArrayLike<number>, digits = 4): string {
  return Array.from(values, (v) => String(Number(v.toPrecision(digits)))).join(', ');
}
