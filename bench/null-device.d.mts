// Types of bench/null-device.mjs, for the tests that record on it (test/prepared.test.ts).

/** A real device's limits as a plain object. */
export function limitsOf(device: GPUDevice): Record<string, number>;

/** A GPUDevice that does nothing, with these limits: only the JavaScript around the device is real. */
export function nullDevice(limits: Record<string, number>): GPUDevice;

/** Counts `device`'s createBuffer, createBindGroup and queue.writeBuffer calls into `counts`; returns `counts`. */
export function countDeviceCalls<T extends { buffers?: number; bindGroups?: number; writes?: number }>(device: GPUDevice, counts: T): T;
