/**
 * Reads the app's settings from environment variables, once, at start-up. Every problem is a
 * ConfigError whose message names the variable, the rule and the value, on one line.
 */

/** EX_CONFIG from sysexits.h: the process stops because its configuration is wrong. */
export const CONFIG_ERROR_EXIT_CODE = 78;

export class ConfigError extends Error {
  override name = "ConfigError";
}

type Env = Record<string, string | undefined>;

/** Settings both process types share. */
export interface CommonConfig {
  /** Release id the deploy started this process with (APP_RELEASE). */
  release: string;
  /** Image digest the deploy started this process from (APP_DIGEST: `sha256:...` or `repo@sha256:...`). */
  digest: string;
  /** Hard limit from SIGTERM to exit; keep it below the container stop timeout. */
  shutdownTimeoutMs: number;
}

export interface WebConfig extends CommonConfig {
  port: number;
  /** The readiness path the deploy health-checks (HEALTH_PATH, from the stack's web.healthPath). */
  healthPath: string;
  /** Idle keep-alive time for client connections; must exceed the proxy's upstream idle timeout. */
  keepAliveTimeoutMs: number;
  /** A client that has not sent a whole request head by then gets a 408 (slow-header attacks). */
  headersTimeoutMs: number;
  /** After SIGTERM, how long the health path answers 503 before the server stops accepting connections. */
  drainDelayMs: number;
  /** Upper bound for `/slow?ms=N`. */
  slowMaxMs: number;
  /** Upper bound for `/cpu?ms=N`: one request may keep the process's only thread busy this long. */
  cpuMaxMs: number;
}

export interface WorkerConfig extends CommonConfig {
  /** Directory holding the worker's `heartbeat.json` (WORKER_STATE_DIR). */
  stateDir: string;
  /** Pause between two polls of an empty queue. */
  intervalMs: number;
}

const RELEASE = /^[A-Za-z0-9][A-Za-z0-9._:+-]{0,127}$/;
const DIGEST = /^(?:[a-z0-9][a-z0-9._\-/:]*@)?sha256:[0-9a-f]{64}$/;
const HEALTH_PATH = /^\/[A-Za-z0-9._~/-]*$/;

/** HEALTH_PATH (the deploy sets it from the stack config), or /healthz. */
export function healthPathVar(env: Env): string {
  const path = (env.HEALTH_PATH ?? "").trim() || "/healthz";
  if (!HEALTH_PATH.test(path))
    throw new ConfigError(
      `HEALTH_PATH must be a path starting with / like /healthz (got ${show(path)})`,
    );
  return path;
}

function show(value: string): string {
  return JSON.stringify(value);
}

function required(env: Env, name: string, hint: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === "") {
    throw new ConfigError(`${name} is required: ${hint}`);
  }
  return value.trim();
}

/** A whole number in [min, max]; `fallback` when the variable is unset or empty. */
export function integerVar(env: Env, name: string, fallback: number, min: number, max: number) {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const text = raw.trim();
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max} (got ${show(raw)})`);
  }
  return value;
}

function readCommon(env: Env): CommonConfig {
  const release = required(env, "APP_RELEASE", "the release id the deploy sets, e.g. 2026-11-26.1");
  if (!RELEASE.test(release)) {
    throw new ConfigError(
      `APP_RELEASE must be 1-128 letters, digits or . _ : + - (got ${show(release)})`,
    );
  }
  const digest = required(
    env,
    "APP_DIGEST",
    "the image digest the deploy sets, [repo@]sha256:<64 hex>",
  );
  if (!DIGEST.test(digest)) {
    throw new ConfigError(
      `APP_DIGEST must be [repo@]sha256:<64 lowercase hex> (got ${show(digest)})`,
    );
  }
  return {
    release,
    digest,
    shutdownTimeoutMs: integerVar(env, "SHUTDOWN_TIMEOUT_MS", 8000, 100, 600_000),
  };
}

export function readWebConfig(env: Env): WebConfig {
  const common = readCommon(env);
  const config: WebConfig = {
    ...common,
    port: integerVar(env, "PORT", 3000, 1, 65535),
    healthPath: healthPathVar(env),
    keepAliveTimeoutMs: integerVar(env, "KEEP_ALIVE_TIMEOUT_MS", 65_000, 1000, 3_600_000),
    // At most Node's requestTimeout (300 s), which bounds the whole request anyway.
    headersTimeoutMs: integerVar(env, "HEADERS_TIMEOUT_MS", 15_000, 1000, 300_000),
    drainDelayMs: integerVar(env, "SHUTDOWN_DRAIN_DELAY_MS", 1000, 0, 600_000),
    slowMaxMs: integerVar(env, "SLOW_MAX_MS", 30_000, 0, 600_000),
    cpuMaxMs: integerVar(env, "CPU_MAX_MS", 20, 0, 1000),
  };
  if (config.drainDelayMs >= config.shutdownTimeoutMs) {
    throw new ConfigError(
      `SHUTDOWN_DRAIN_DELAY_MS must be less than SHUTDOWN_TIMEOUT_MS (got ${config.drainDelayMs} >= ${config.shutdownTimeoutMs})`,
    );
  }
  return config;
}

/** The release command's settings (migrate.ts): the release it runs for. */
export function readReleaseConfig(env: Env): CommonConfig {
  return readCommon(env);
}

export function readWorkerConfig(env: Env): WorkerConfig {
  const common = readCommon(env);
  const stateDir = (env.WORKER_STATE_DIR ?? "").trim() || "/tmp/berth-worker";
  if (!stateDir.startsWith("/")) {
    throw new ConfigError(`WORKER_STATE_DIR must be an absolute path (got ${show(stateDir)})`);
  }
  return {
    ...common,
    stateDir,
    intervalMs: integerVar(env, "WORKER_INTERVAL_MS", 1000, 10, 3_600_000),
  };
}

/**
 * Runs a config reader; on a ConfigError prints its one-line message to stderr and exits with
 * EX_CONFIG, so a bad variable never shows up as a stack trace.
 */
export function loadConfigOrExit<T>(read: (env: Env) => T, env: Env = process.env): T {
  try {
    return read(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`config error: ${error.message}\n`);
      process.exit(CONFIG_ERROR_EXIT_CODE);
    }
    throw error;
  }
}
