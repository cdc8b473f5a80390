// Benchmarks whose builds run in processes of their own, alternating (bench/host-overhead.mjs,
// bench/fresh-results.mjs): with two builds in one process, one build's garbage was collected in the
// other's rounds (bench/NOTES.md, third session of 2026-12-06).
import { spawnSync } from 'node:child_process';
import { value } from './args.mjs';

/**
 * Runs `script` with `args` and `--child C` for each child C in turn, `processes` times over; returns,
 * per child, the value each run printed as its RESULT line (`printResult`).
 */
export function runAlternating(script, args, children, processes) {
  const results = children.map(() => []);
  for (let p = 0; p < processes; p++)
    children.forEach((child, k) => {
      const run = spawnSync(process.execPath, [script, ...args, '--child', child], { encoding: 'utf8', env: process.env });
      const line = run.stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (!line) throw new Error(`${child} printed no result:\n${run.stdout}\n${run.stderr}`);
      results[k].push(JSON.parse(line.slice(7)));
    });
  return results;
}

/** A child's result, for runAlternating; the child then exits. */
export function printResult(value) {
  console.log(`RESULT ${JSON.stringify(value)}`);
  process.exit(0);
}

/** The builds a bench compares, [label, dir]: this build's dist, and the one `--dist DIR` names. */
export function comparedBuilds() {
  const other = value('--dist');
  return [['this build', 'dist'], ...(other ? [[`--dist ${other}`, other]] : [])];
}
