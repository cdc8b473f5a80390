// The worker module of cpuWorkers (dist/cpu-worker.js): computes the parts of cpuGradient calls it is sent.
import { serveParts } from './cpu/workers.js';

void serveParts();
