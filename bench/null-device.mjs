// A GPUDevice that does nothing, for timing what a caller's JavaScript costs on the host CPU: every call
// is a no-op on plain objects, error scopes pop null, and a map resolves at once (a resolved promise).
// Results are garbage; only the time and the allocations of the JavaScript around the device are real,
// which is what a host call adds to a GPU's round trip. Limits are taken from a real device.

const resolved = Promise.resolve();
const noError = Promise.resolve(null);

class NullBuffer {
  constructor(size, usage, mapped) {
    this.size = size;
    this.usage = usage;
    this.mapState = mapped ? 'mapped' : 'unmapped';
    this.ranges = new Map(); // one ArrayBuffer per mapped range, kept: a device's mapping costs no JS garbage here
  }
  mapAsync() {
    this.mapState = 'mapped';
    return resolved;
  }
  getMappedRange(offset = 0, size = this.size - offset) {
    const key = offset * 2 ** 32 + size;
    let range = this.ranges.get(key);
    if (!range) {
      range = new ArrayBuffer(size);
      this.ranges.set(key, range);
    }
    return range;
  }
  unmap() {
    this.mapState = 'unmapped';
  }
  destroy() {}
}

const pass = {
  setPipeline() {},
  setBindGroup() {},
  dispatchWorkgroups() {},
  end() {},
};
const commandBuffer = {};
const encoder = {
  beginComputePass: () => pass,
  copyBufferToBuffer() {},
  clearBuffer() {},
  finish: () => commandBuffer,
};
const layout = {};
const pipeline = { getBindGroupLayout: () => layout };
const module = { getCompilationInfo: () => Promise.resolve({ messages: [] }) };

/** A real device's limits as a plain object (GPUSupportedLimits' fields are getters on its prototype), for nullDevice. */
export function limitsOf(device) {
  const limits = {};
  for (const key in device.limits) limits[key] = device.limits[key];
  return limits;
}

/** A null GPUDevice with `limits` (a real device's, or any object with the fields the library reads). */
export function nullDevice(limits) {
  return {
    label: 'null device',
    limits,
    features: new Set(),
    lost: new Promise(() => {}),
    queue: { submit() {}, writeBuffer() {}, writeTexture() {}, onSubmittedWorkDone: () => resolved },
    createBuffer: (d) => new NullBuffer(d.size, d.usage, !!d.mappedAtCreation),
    createBindGroup: () => ({}),
    createBindGroupLayout: () => layout,
    createPipelineLayout: () => ({}),
    createShaderModule: () => module,
    createComputePipeline: () => pipeline,
    createComputePipelineAsync: () => Promise.resolve(pipeline),
    createCommandEncoder: () => encoder,
    createTexture: (d) => ({
      width: d.size[0] ?? d.size.width,
      height: d.size[1] ?? d.size.height ?? 1,
      depthOrArrayLayers: 1,
      dimension: '2d',
      format: d.format,
      usage: d.usage,
      sampleCount: 1,
      mipLevelCount: 1,
      createView: () => ({}),
      destroy() {},
    }),
    pushErrorScope() {},
    popErrorScope: () => noError,
    addEventListener() {},
    removeEventListener() {},
    destroy() {},
  };
}

/**
 * Counts `device`'s createBuffer, createBindGroup and queue.writeBuffer calls into `counts` (fields
 * buffers, bindGroups, writes), still making them; returns `counts`.
 */
export function countDeviceCalls(device, counts) {
  const createBuffer = device.createBuffer.bind(device);
  const createBindGroup = device.createBindGroup.bind(device);
  const writeBuffer = device.queue.writeBuffer.bind(device.queue);
  device.createBuffer = (d) => {
    counts.buffers++;
    return createBuffer(d);
  };
  device.createBindGroup = (d) => {
    counts.bindGroups++;
    return createBindGroup(d);
  };
  device.queue.writeBuffer = (...a) => {
    counts.writes++;
    return writeBuffer(...a);
  };
  return counts;
}
