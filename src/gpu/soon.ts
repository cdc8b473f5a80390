/**
 * Runs `task` later in this turn of the event loop, as a microtask. Not queueMicrotask: Node wraps each
 * callback it is given in an AsyncResource and a bound function (about 0.5 KB a call, and two of them a
 * sequential host call: the scheduler's flush and the input arena's end of turn; bench/NOTES.md, garbage
 * per call). Tasks given before a drain has run share it: one reaction on one resolved promise (a
 * promise and the reaction, about 0.1 KB) for both of a host call's tasks, not one each (bench/NOTES.md,
 * eleventh session). They run in the order given; one given while a drain runs waits for the next drain,
 * so it runs after the microtasks already queued, as its own microtask would. A task that throws does not
 * stop the others: its exception escapes as an unhandled rejection, as from a microtask of its own. Pass
 * a function made once, not a new closure each time.
 */
const RESOLVED = Promise.resolve();

/** Tasks for the drain to come; `spare`: the list the last drain ran, emptied, to be the next. */
let pending: (() => void)[] = [];
let spare: (() => void)[] = [];
let scheduled = false;

export function soon(task: () => void): void {
  pending.push(task);
  if (scheduled) return;
  scheduled = true;
  void RESOLVED.then(drain);
}

function drain(): void {
  scheduled = false;
  const tasks = pending;
  pending = spare;
  for (let i = 0; i < tasks.length; i++) {
    try {
      tasks[i]();
    } catch (error) {
      void Promise.reject(error);
    }
  }
  while (tasks.length > 0) tasks.pop(); // pop, not length = 0, which lets V8 drop the room
  spare = tasks;
}
