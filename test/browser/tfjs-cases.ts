// What test/browser/tfjs.ts computes and reports, shared with test/tfjs.test.ts (no browser code here).

export interface TfjsRun {
  backend: string;
  x: number[];
  w: number[][];
  forward: number[][];
  gradOfLinear: number[];
  derivativeWeights: number[][];
  gradOfDerivatives: number[];
  hessianCount: number;
  finiteDifference: { index: number; autodiff: number; numeric: number }[];
  maps: number;
  /** Buffers of webgpu-gradient/tfjs created while ops already applied ran again, three times. */
  buffersOnRepeat: number;
  /** Buffers of webgpu-gradient/tfjs created in all, by then (the count is not blind: more than none on webgpu). */
  buffersAtAll: number;
  /** tfGradient with `spacing: [2, 1]`, an array that held [0.5, 1] in the call before. */
  afterChange: number[][];
}

export interface TfjsReport {
  runs: TfjsRun[];
  errors: string[];
}

export const SHAPE = [14, 12];
export const OPTIONS = { spacing: [0.5, 1], edgeOrder: 2, boundary: ['edge', 'periodic'] } as const;
export const DERIVATIVES = {
  derivatives: [
    [2, 0],
    [1, 1],
  ],
  accuracy: 4,
  spacing: [0.5, 1],
} as const;
