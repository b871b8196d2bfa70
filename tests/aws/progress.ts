/** Progress lines with the seconds since the run started: `[  42s] ==> up: ...`. */

export interface Progress {
  /** A step starts. */
  step(text: string): void;
  /** A detail of the current step. */
  info(text: string): void;
  /** Seconds since the run started. */
  seconds(): number;
}

export function createProgress(
  write: (line: string) => void,
  now: () => number = Date.now,
): Progress {
  const started = now();
  const seconds = () => Math.floor((now() - started) / 1000);
  const stamp = () => `[${String(seconds()).padStart(5)}s]`;
  return {
    step: (text) => write(`${stamp()} ==> ${text}`),
    info: (text) => write(`${stamp()}     ${text}`),
    seconds,
  };
}
