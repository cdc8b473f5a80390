import { readFileSync } from 'node:fs';
import type { GradientOptions, NumericArray } from '../../src/index';

export interface NumpyCase {
  name: string;
  dtype: 'float64' | 'float32' | 'int32' | 'uint8';
  shape: number[];
  data: number[];
  spacing?: number | (number | number[])[];
  axis?: number | number[];
  edgeOrder: 1 | 2;
  expected: number[][];
  expected64?: number[][];
}

const fixtureFile = new URL('../fixtures/numpy_gradient.json', import.meta.url);

export function loadNumpyCases(): NumpyCase[] {
  return JSON.parse(readFileSync(fixtureFile, 'utf8')).cases;
}

/** Coordinates numpy divides by zero on (it returns inf/nan; `finite` records whether all were finite). */
export interface RefusedCoordinates {
  data: number[];
  spacing: number[][];
  edgeOrder: 1 | 2;
  finite: boolean;
}

export function loadRefusedCoordinates(): RefusedCoordinates[] {
  return JSON.parse(readFileSync(fixtureFile, 'utf8')).refused;
}

const ARRAY_OF = { float64: Float64Array, float32: Float32Array, int32: Int32Array, uint8: Uint8Array };

export function caseData(c: NumpyCase): NumericArray {
  return ARRAY_OF[c.dtype].from(c.data);
}

export function caseOptions(c: NumpyCase): GradientOptions {
  return { shape: c.shape, spacing: c.spacing, axis: c.axis, edgeOrder: c.edgeOrder };
}
