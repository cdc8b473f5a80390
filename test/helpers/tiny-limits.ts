/**
 * Limits small enough that arrays of a few thousand elements need grid folding (3 workgroups of 32 per
 * dimension), several dispatches per grid, and chunking with halos (4 KiB bindings). The dispatch unit
 * tests assert that these shapes do exercise each path; the GPU tests run them against the reference.
 */
export const TINY_LIMITS = {
  maxStorageBufferBindingSize: 4096,
  maxComputeWorkgroupsPerDimension: 3,
  maxComputeInvocationsPerWorkgroup: 32,
};

// Every one holds more than 1024 elements (more than a 4 KiB float32 binding), in both kernel layouts.
export const TINY_SHAPES = [[3001], [2500], [40, 37], [30, 44], [11, 9, 13], [12, 9, 12], [16, 5, 4, 4]];
