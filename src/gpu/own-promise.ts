/**
 * The promise of a call that settles it itself (a one-piece host call, host.ts; a one-piece program call,
 * table.ts), made without a closure: a Promise runs its executor at once, so every such promise shares
 * one executor, which hands the resolving functions to the call in `starting`, read before anything else
 * can fill it. An executor made per call was a closure and its context, about 0.1 KB a call (bench/NOTES.md,
 * tenth session).
 */

/** A call that starts once it holds its promise's resolving functions. */
export interface OwnPromise<R> {
  begin(resolve: (result: R) => void, reject: (error: unknown) => void): void;
}

/** The call's promise; `call.begin` runs before this returns. */
export function ownPromise<R>(call: OwnPromise<R>): Promise<R> {
  starting = call as OwnPromise<unknown>;
  return new Promise<R>(start as (resolve: (result: R) => void, reject: (error: unknown) => void) => void);
}

let starting: OwnPromise<unknown> | null = null;

function start(resolve: (result: unknown) => void, reject: (error: unknown) => void): void {
  const call = starting!;
  starting = null;
  call.begin(resolve, reject);
}

/** What a call's resolving functions are until it has begun. */
export function ignore(): void {}
