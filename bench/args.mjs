// The benches' command line: `value('--name', fallback)` is the word after --name, `flag('--name')` whether
// it is given, `args` all of them (passed on to the child processes of bench/child-runs.mjs).
export const args = process.argv.slice(2);

export function value(name, fallback) {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
}

export function flag(name) {
  return args.includes(name);
}
