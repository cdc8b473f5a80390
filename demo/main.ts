import { chooseBackend } from './backend';
import { denoisePanel } from './panels/denoise';
import { fieldPanel } from './panels/field';
import { imagePanel } from './panels/image';
import { canPresentWebGPU, livePanel } from './panels/live';
import { speedPanel } from './panels/speed';
import { spherePanel } from './panels/sphere';
import { tutorialPanel } from './panels/tutorial';

/** Runs each panel and marks its section data-state="done" (or "error", with the message shown). */
async function runPanel(id: string, body: (root: HTMLElement) => Promise<void>): Promise<void> {
  const root = document.getElementById(id)!;
  root.dataset.state = 'running';
  try {
    await body(root);
    root.dataset.state = 'done';
  } catch (e) {
    root.dataset.state = 'error';
    const msg = root.querySelector('.message') ?? root.appendChild(document.createElement('p'));
    msg.textContent = `This panel failed: ${(e as Error).message}`;
    msg.classList.add('error');
    console.error(e);
  }
}

const backend = await chooseBackend();
const banner = document.getElementById('banner')!;
if (backend.kind === 'gpu') {
  banner.className = 'banner ok';
  banner.textContent = `Running on WebGPU: ${backend.adapterName}`;
} else {
  banner.className = 'banner warn';
  banner.textContent = `WebGPU is not available, so every panel runs on cpuGradient (the float64 CPU reference). Why: ${backend.reason}.`;
}
document.body.dataset.backend = backend.kind;
// Asked before any panel draws (see canPresentWebGPU).
const presents = backend.kind === 'gpu' && (await canPresentWebGPU().catch(() => false));

await runPanel('tutorial', (root) => tutorialPanel(root, backend));
await runPanel('field', (root) => fieldPanel(root, backend));
await runPanel('image', (root) => imagePanel(root, backend));
await runPanel('sphere', (root) => spherePanel(root, backend));
await runPanel('denoise', (root) => denoisePanel(root, backend));
await runPanel('speed', (root) => speedPanel(root, backend));
// Last: its frames keep running, and the other panels' readbacks would blur its count of maps per frame.
await runPanel('live', (root) => livePanel(root, backend, presents));
document.body.dataset.ready = 'true';
