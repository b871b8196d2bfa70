/**
 * Does the stack serve a release? `GET /` answers 2xx through the ALB and `GET /version` names
 * the image digest (the app reports APP_DIGEST, which the deploy agent sets to the image it runs).
 */
import { AcceptanceError } from "./stackConfig";

/** The 64 hex digits of `repo@sha256:<hex>` or `sha256:<hex>`, or undefined. */
export function digestHex(reference: string): string | undefined {
  return /sha256:([0-9a-f]{64})$/.exec(reference)?.[1];
}

/** Whether a `/version` body ({ release, digest }) names the same image as `digest`. */
export function servesDigest(body: unknown, digest: string): boolean {
  const reported = (body as { digest?: unknown } | null)?.digest;
  const want = digestHex(digest);
  return typeof reported === "string" && want !== undefined && digestHex(reported) === want;
}

export type GetJson = (
  url: string,
  signal: AbortSignal,
) => Promise<{ status: number; body: unknown }>;

export const getJson: GetJson = async (url, signal) => {
  const response = await fetch(url, {
    signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]),
    headers: { "cache-control": "no-cache" },
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text for the message
  }
  return { status: response.status, body };
};

export interface WaitOptions {
  attempts: number;
  intervalMs: number;
  get?: GetJson;
  sleep?: (ms: number) => Promise<void>;
  signal?: AbortSignal;
}

function short(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return (text ?? "").length > 240 ? `${(text ?? "").slice(0, 237)}...` : (text ?? "");
}

/** Polls until `/` answers 2xx and `/version` shows `digest`; throws with the last answer. */
export async function waitForRelease(
  url: string,
  digest: string,
  options: WaitOptions,
): Promise<void> {
  const get = options.get ?? getJson;
  const sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  const signal = options.signal ?? new AbortController().signal;
  let last = "no answer yet";
  for (let attempt = 1; attempt <= options.attempts; attempt++) {
    if (signal.aborted) break;
    try {
      const root = await get(new URL("/", url).toString(), signal);
      if (root.status < 200 || root.status > 299) last = `GET / answered ${root.status}`;
      else {
        const version = await get(new URL("/version", url).toString(), signal);
        if (version.status === 200 && servesDigest(version.body, digest)) return;
        last = `GET /version answered ${version.status} ${short(version.body)}`;
      }
    } catch (error) {
      last = `GET failed: ${(error as Error).message}`;
    }
    if (attempt < options.attempts) await sleep(options.intervalMs);
  }
  throw new AcceptanceError(
    `${url} does not serve ${digest} (${options.attempts} attempts); last: ${last}`,
  );
}
