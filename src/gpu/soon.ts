/**
 * Runs `task` later in this turn of the event loop, as a microtask. Not queueMicrotask: Node wraps each
 * callback it is given in an AsyncResource and a bound function (about 0.5 KB a call, and two of them a
 * sequential host call: the scheduler's flush and the input arena's end of turn; bench/NOTES.md, garbage
 * per call). A reaction on one resolved promise costs a promise and the reaction. `task` must not throw
 * (as with queueMicrotask, an exception would escape: here as an unhandled rejection). Pass a function
 * made once, not a new closure each time.
 */
const RESOLVED = Promise.resolve();

export function soon(task: () => void): void {
  void RESOLVED.then(task);
}
