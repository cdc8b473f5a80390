/** Counts createBindGroup, createBuffer and writeBuffer calls (and bytes) on a device, without changing them. */
export function counted(device: GPUDevice) {
  const counts = { bindGroups: 0, buffers: 0, writes: 0, writeBytes: 0 };
  const queue = new Proxy(device.queue, {
    get(target, key) {
      if (key === 'writeBuffer') {
        return (buffer: GPUBuffer, offset: number, data: BufferSource, dataOffset?: number, size?: number) => {
          counts.writes++;
          counts.writeBytes += size ?? (data as ArrayBufferView).byteLength ?? 0;
          return target.writeBuffer(buffer, offset, data as GPUAllowSharedBufferSource, dataOffset, size);
        };
      }
      const v = Reflect.get(target, key, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  const wrapped = new Proxy(device, {
    get(target, key) {
      if (key === 'queue') return queue;
      if (key === 'createBindGroup') {
        return (d: GPUBindGroupDescriptor) => {
          counts.bindGroups++;
          return target.createBindGroup(d);
        };
      }
      if (key === 'createBuffer') {
        return (d: GPUBufferDescriptor) => {
          counts.buffers++;
          return target.createBuffer(d);
        };
      }
      const v = Reflect.get(target, key, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { device: wrapped as GPUDevice, counts };
}
