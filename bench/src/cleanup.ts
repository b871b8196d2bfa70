/**
 * Everything the benchmark starts registers how to undo it here; `runCleanups` undoes it all, in
 * reverse order, once: from the `finally` of a normal run and from the SIGINT/SIGTERM handler.
 */
import { progress } from "./progress";

type Cleanup = { what: string; undo: () => Promise<unknown> };

const cleanups: Cleanup[] = [];
let running: Promise<void> | null = null;

/** Registers an undo step; returns a function that runs it now (and unregisters it). */
export function onCleanup(what: string, undo: () => Promise<unknown>): () => Promise<void> {
  const entry = { what, undo };
  cleanups.push(entry);
  return async () => {
    const index = cleanups.indexOf(entry);
    if (index === -1) return;
    cleanups.splice(index, 1);
    await undo();
  };
}

export function runCleanups(): Promise<void> {
  running ??= (async () => {
    while (cleanups.length > 0) {
      const entry = cleanups.pop() as Cleanup;
      progress(`cleaning up: ${entry.what}`);
      try {
        await entry.undo();
      } catch (error) {
        progress(`cleaning up ${entry.what} failed: ${(error as Error).message}`);
      }
    }
  })();
  return running;
}

/** On Ctrl-C (or a kill), clean up, then exit with the signal's conventional code. */
export function installSignalHandlers(): void {
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    process.once(signal, () => {
      progress(`${signal}: stopping and cleaning up everything the benchmark started`);
      void runCleanups().finally(() => process.exit(code));
    });
  }
}
