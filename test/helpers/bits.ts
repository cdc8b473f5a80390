/**
 * Where two lists of float64 results first differ in bits (NaN equals NaN; +0 and −0 differ): the array,
 * the index and both values, or null when they are the same to the last bit.
 */
export function firstDifference(got: readonly Float64Array[], want: readonly Float64Array[]): string | null {
  if (got.length !== want.length) return `${got.length} arrays, expected ${want.length}`;
  for (let k = 0; k < want.length; k++) {
    if (got[k].length !== want[k].length) return `array ${k}: length ${got[k].length}, expected ${want[k].length}`;
    for (let i = 0; i < want[k].length; i++)
      if (!Object.is(got[k][i], want[k][i])) return `array ${k}[${i}]: ${got[k][i]}, expected ${want[k][i]}`;
  }
  return null;
}
