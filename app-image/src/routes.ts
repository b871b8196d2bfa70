import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Pool } from "pg";
import type { WebConfig } from "./config";
import { JOB_BY_ID_ROUTE, jobRoutes } from "./job-routes";
import { errorFields, log } from "./log";

/** Shared between the request handler and the shutdown sequence. */
export interface ServiceState {
  /** True from SIGTERM on: /healthz answers 503 and every response closes its connection. */
  draining: boolean;
}

/** Larger bodies get a 413: a declared one before routing, a streamed one (/echo) as it arrives. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;
const MAX_ITEMS = 1000;

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void;
type SendJson = (res: ServerResponse, status: number, body: unknown) => void;

/**
 * Every response goes through this. While draining, it tells the client (nginx) to close the
 * connection after the response, so keep-alive connections do not hold the shutting-down server open.
 */
function jsonSender(state: ServiceState): SendJson {
  return (res, status, body) => {
    const text = JSON.stringify(body);
    if (state.draining) res.setHeader("connection", "close");
    res.writeHead(status, {
      "content-type": "application/json; charset=utf-8",
      "content-length": Buffer.byteLength(text),
    });
    res.end(text);
  };
}

/**
 * `rounds` rounds of integer mixing (xorshift32), folded into the result so that none can be left
 * out. Pure arithmetic: no allocation, so no garbage collection bills the request afterwards (a
 * loop of sha256 hashes cost twice its calibrated time, in the GC of its Hash objects).
 */
function mix(rounds: number, seed: number): number {
  let x = seed | 1;
  for (let i = 0; i < rounds; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
  }
  return x >>> 0;
}

const BATCH = 10_000;
let roundsPerMs: number | null = null;
/**
 * How many rounds this process does in 1 ms of CPU: the fastest of 20 timed batches after 30 ms of
 * warm-up, long enough for V8 to optimize `mix` (a batch the scheduler interrupted only looks
 * slower, never faster). Once, on the first /cpu request (about 35 ms).
 */
function calibrate(): number {
  let sink = 0;
  const warmUntil = process.hrtime.bigint() + 30_000_000n;
  while (process.hrtime.bigint() < warmUntil) sink ^= mix(BATCH, sink);
  let fastestNs = Infinity;
  for (let batch = 0; batch < 20; batch++) {
    const started = process.hrtime.bigint();
    sink ^= mix(BATCH, batch);
    fastestNs = Math.min(fastestNs, Number(process.hrtime.bigint() - started));
  }
  return ((BATCH * 1e6) / Math.max(1, fastestNs)) | (sink & 0);
}

/**
 * Does about `ms` milliseconds of CPU work on this thread (a number of rounds calibrated once) and
 * answers the rounds and their result. A fixed amount of work, not a time: a busy machine makes
 * the request slower, never cheaper. (process.cpuUsage() is too coarse to stop on: on this kernel
 * its sum moves in steps of several hundred µs.)
 */
export function spendCpu(ms: number): { rounds: number; result: number } {
  roundsPerMs ??= calibrate();
  const rounds = Math.round(ms * roundsPerMs);
  return { rounds, result: mix(rounds, rounds) };
}

/** A query parameter as a whole number in [min, max]; `fallback` when absent; null when invalid. */
function intParam(url: URL, name: string, fallback: number, min: number, max: number) {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  const value = Number(raw);
  return /^\d+$/.test(raw) && value >= min && value <= max ? value : null;
}

function routes(
  config: WebConfig,
  state: ServiceState,
  sendJson: SendJson,
  pool: Pool | null,
): Record<string, Record<string, Handler>> {
  return {
    ...jobRoutes(pool, sendJson),
    "/": {
      GET: (_req, res) =>
        sendJson(res, 200, { message: "Hello from berth", release: config.release }),
    },
    "/version": {
      GET: (_req, res) => sendJson(res, 200, { release: config.release, digest: config.digest }),
    },
    // Health is the process's, not the database's: a database blip must not take every host out
    // of the load balancer (or fail a deploy's health gate) while "/" and the rest still work.
    // The job routes answer 503 on their own; the release command proves the database reachable.
    [config.healthPath]: {
      GET: (_req, res) => {
        res.setHeader("cache-control", "no-store");
        if (state.draining) sendJson(res, 503, { status: "draining" });
        else sendJson(res, 200, { status: "ok" });
      },
    },
    // Holds the request open for ?ms=N milliseconds: graceful-shutdown tests and benchmarks.
    "/slow": {
      GET: (req, res, url) => {
        const ms = intParam(url, "ms", 1000, 0, config.slowMaxMs);
        if (ms === null) {
          sendJson(res, 400, {
            error: "bad_request",
            message: `ms must be an integer from 0 to ${config.slowMaxMs}`,
          });
          return;
        }
        const timer = setTimeout(() => sendJson(res, 200, { sleptMs: ms }), ms);
        res.once("close", () => clearTimeout(timer));
      },
    },
    // Spends ?ms=N milliseconds of CPU before answering: benchmarks of a route that works like an
    // API. CPU_MAX_MS bounds it, so that no request can hold the event loop for long.
    "/cpu": {
      GET: (_req, res, url) => {
        const ms = intParam(url, "ms", 1, 0, config.cpuMaxMs);
        if (ms === null) {
          sendJson(res, 400, {
            error: "bad_request",
            message: `ms must be an integer from 0 to ${config.cpuMaxMs} (CPU_MAX_MS)`,
          });
          return;
        }
        sendJson(res, 200, { cpuMs: ms, ...spendCpu(ms) });
      },
    },
    // A larger JSON document (?count=N items), e.g. to see the proxy compress it.
    "/items": {
      GET: (_req, res, url) => {
        const count = intParam(url, "count", 100, 0, MAX_ITEMS);
        if (count === null) {
          sendJson(res, 400, {
            error: "bad_request",
            message: `count must be an integer from 0 to ${MAX_ITEMS}`,
          });
          return;
        }
        const items = Array.from({ length: count }, (_, i) => ({
          id: i + 1,
          name: `item ${i + 1}`,
          description: `Sample item number ${i + 1}, served by release ${config.release}.`,
        }));
        sendJson(res, 200, { count, items });
      },
    },
    // Reads the request body and answers its size and sha256: request bodies reach the app intact.
    "/echo": {
      POST: (req, res) => {
        const hash = createHash("sha256");
        let bytes = 0;
        req.on("data", (chunk: Buffer) => {
          bytes += chunk.length;
          if (bytes > MAX_BODY_BYTES) {
            res.setHeader("connection", "close");
            sendJson(res, 413, { error: "payload_too_large", limitBytes: MAX_BODY_BYTES });
            req.destroy();
            return;
          }
          hash.update(chunk);
        });
        req.on("end", () => {
          if (!res.headersSent) sendJson(res, 200, { bytes, sha256: hash.digest("hex") });
        });
      },
    },
  };
}

/**
 * The path and query of an origin-form request target (`/path?query`); null for any other form
 * (absolute `http://host/`, asterisk `*`), a fragment, or a target that does not parse. The target
 * is appended to a fixed origin, not resolved against it: resolving `//a:b` reads a host and throws.
 */
export function parseTarget(target: string | undefined): URL | null {
  if (!target?.startsWith("/") || target.includes("#")) return null;
  try {
    return new URL(`http://app.invalid${target}`);
  } catch {
    return null;
  }
}

const HOST = /^[A-Za-z0-9._~%!$&'()*+,;=:[\]-]*$/;

/** RFC 9112 section 3.2: more than one Host header, or an invalid one, is a 400. */
function hasOneValidHost(req: IncomingMessage): boolean {
  const hosts = req.rawHeaders.filter(
    (_, i) => i % 2 === 1 && req.rawHeaders[i - 1]?.toLowerCase() === "host",
  );
  return hosts.length <= 1 && HOST.test(hosts[0] ?? "");
}

/**
 * The web process's request handler: routing, JSON responses and one log line per request. The
 * job routes use `pool`; without one (no DATABASE_URL) they answer 503.
 */
export function createRequestHandler(
  config: WebConfig,
  state: ServiceState,
  pool: Pool | null = null,
) {
  const sendJson = jsonSender(state);
  const table = routes(config, state, sendJson, pool);

  const dispatch = (req: IncomingMessage, res: ServerResponse, url: URL | null): void => {
    if (!url || !hasOneValidHost(req)) {
      sendJson(res, 400, {
        error: "bad_request",
        message: url
          ? "a request needs at most one Host header, with a valid host"
          : "the request target must be a path, like /items?count=3",
      });
      return;
    }
    if (Number(req.headers["content-length"]) > MAX_BODY_BYTES) {
      res.setHeader("connection", "close");
      sendJson(res, 413, { error: "payload_too_large", limitBytes: MAX_BODY_BYTES });
      return;
    }
    const route = url.pathname.startsWith("/jobs/") ? JOB_BY_ID_ROUTE : url.pathname;
    const methods = table[route];
    if (!methods) {
      sendJson(res, 404, { error: "not_found", path: url.pathname });
      return;
    }
    const method = req.method === "HEAD" ? "GET" : (req.method ?? "GET");
    const handler = methods[method];
    if (!handler) {
      res.setHeader("allow", Object.keys(methods).join(", "));
      sendJson(res, 405, { error: "method_not_allowed", method: req.method });
      return;
    }
    handler(req, res, url);
  };

  return (req: IncomingMessage, res: ServerResponse): void => {
    const started = process.hrtime.bigint();
    const url = parseTarget(req.url);
    res.on("close", () => {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      log("info", "request", {
        method: req.method,
        path: url?.pathname ?? req.url,
        status: res.statusCode,
        duration_ms: Math.round(durationMs * 1000) / 1000,
        completed: res.writableFinished,
        request_id: req.headers["x-request-id"],
        client_ip: req.headers["x-real-ip"] ?? req.socket.remoteAddress,
      });
    });
    // An exception here would otherwise escape into Node's HTTP parser and end the process.
    try {
      dispatch(req, res, url);
    } catch (error) {
      const stack = error instanceof Error ? error.stack : undefined;
      log("error", "request handler failed", { ...errorFields(error), stack, path: url?.pathname });
      if (!res.headersSent) sendJson(res, 500, { error: "internal_error" });
      else if (!res.writableEnded) res.destroy();
    }
  };
}
