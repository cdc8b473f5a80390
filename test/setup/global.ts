import { ensureSystemPackages } from '../helpers/browsers';

// Before any test file: Chromium and the Vulkan loader must be there (installed when possible).
export default function setup(): void {
  ensureSystemPackages();
}
