// Runs once before the test files. Nothing GPU-specific yet.
export default function setup(): void {}
