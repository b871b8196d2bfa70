/**
 * What each host serves, seen from outside as a client would: GET /version on the host's nginx
 * (port 80 of the simulated host, on the fleet's docker network; containers this run created),
 * polled until every host answers with the wanted digest. A rollback counts as done for a host
 * only when its proxy really serves the previous release.
 */
import { PROXY } from "../../infra/src/agent/contract";
import { docker } from "../../fleet/src/exec";
import { fleetNames } from "../../fleet/src/settings";

/** How often each host is asked while a watch runs. */
export const SERVING_POLL_MS = 100;

/** The digest a /version answer names, or null (not 200, not the app's JSON: the bad release). */
export function servedDigest(status: number, body: string): string | null {
  if (status !== 200) return null;
  try {
    const parsed = JSON.parse(body) as { digest?: unknown };
    return typeof parsed.digest === "string" ? parsed.digest : null;
  } catch {
    return null;
  }
}

/**
 * From `startMs` to the moment the last host first served the wanted digest; null when some host
 * never did.
 */
export function allServingAfter(firstSeenAtMs: (number | null)[], startMs: number): number | null {
  if (firstSeenAtMs.length === 0 || firstSeenAtMs.some((t) => t === null)) return null;
  return Math.max(...(firstSeenAtMs as number[])) - startMs;
}

/** Each host's address on the fleet network, `http://<ip>:80` (ip checked to be an IPv4 address). */
export async function hostUrls(prefix: string, hostCount: number): Promise<string[]> {
  const names = fleetNames(prefix);
  return Promise.all(
    Array.from({ length: hostCount }, async (_, i) => {
      const r = await docker([
        "inspect",
        "--format",
        `{{(index .NetworkSettings.Networks "${names.network}").IPAddress}}`,
        names.host(i + 1),
      ]);
      const ip = r.stdout.trim();
      if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(ip))
        throw new Error(`${names.host(i + 1)} has no address on ${names.network} (got "${ip}")`);
      return `http://${ip}:${PROXY.hostPort}`;
    }),
  );
}

/** One GET /version: the digest served, or null (error, timeout, not the app). */
export async function versionOf(hostUrl: string): Promise<string | null> {
  try {
    const res = await fetch(`${hostUrl}/version`, { signal: AbortSignal.timeout(1000) });
    return servedDigest(res.status, await res.text());
  } catch {
    return null;
  }
}

export interface ServingWatch {
  /** Resolves with each host's first moment (epoch ms) serving the digest, null where it never did. */
  done: Promise<(number | null)[]>;
  /** Ends the watch early (the hosts not yet serving stay null). */
  stop(): void;
}

/** Polls every host until all serve `digest`, `stop()` is called or `timeoutMs` passed. */
export function watchServing(
  hostUrlList: string[],
  digest: string,
  timeoutMs: number,
): ServingWatch {
  const deadline = Date.now() + timeoutMs;
  let stopped = false;
  const first: (number | null)[] = hostUrlList.map(() => null);
  const done = Promise.all(
    hostUrlList.map(async (url, i) => {
      while (!stopped && Date.now() < deadline) {
        if ((await versionOf(url)) === digest) {
          // The host switched somewhere between this request's start and its answer: count the
          // answer (the later bound, so the figure never flatters the rollback).
          first[i] = Date.now();
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, SERVING_POLL_MS));
      }
    }),
  ).then(() => first);
  return { done, stop: () => (stopped = true) };
}
