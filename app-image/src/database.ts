/**
 * The app's Postgres settings and its bounded connection pool. The database is optional: without
 * DATABASE_URL the web process serves every route but the job routes (503), and the worker idles.
 */
import { Pool } from "pg";
import { ConfigError, integerVar } from "./config";
import { errorFields, log } from "./log";

type Env = Record<string, string | undefined>;

export interface DatabaseConfig {
  /** postgres://user:password@host:port/db (a secret: never logged). */
  url: string;
  /** Most connections this process opens (PGPOOL_MAX): processes × pool size must fit max_connections. */
  poolMax: number;
  /** How long a query waits for a free connection, and a connection for the server. */
  connectTimeoutMs: number;
  /** Longest a single statement may run before the server cancels it. */
  statementTimeoutMs: number;
}

/** The database settings, or null when DATABASE_URL is unset (the app then runs without one). */
export function readDatabaseConfig(env: Env, defaultPoolMax = 5): DatabaseConfig | null {
  const url = (env.DATABASE_URL ?? "").trim();
  if (url === "") return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // The value is a secret: say what is wrong with it without printing it.
    throw new ConfigError(
      "DATABASE_URL must be a URL like postgres://user:password@host:5432/db (it does not parse)",
    );
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:")
    throw new ConfigError(
      `DATABASE_URL must start with postgres:// or postgresql:// (got ${JSON.stringify(parsed.protocol)})`,
    );
  if (parsed.hostname === "" || parsed.pathname.length < 2)
    throw new ConfigError(
      "DATABASE_URL must name a host and a database, like postgres://user:password@host:5432/db",
    );
  return {
    url,
    poolMax: integerVar(env, "PGPOOL_MAX", defaultPoolMax, 1, 100),
    connectTimeoutMs: integerVar(env, "PG_CONNECT_TIMEOUT_MS", 3000, 100, 60_000),
    statementTimeoutMs: integerVar(env, "PG_STATEMENT_TIMEOUT_MS", 10_000, 100, 600_000),
  };
}

/** A pool that never opens more than poolMax connections and never lets an idle error end the process. */
export function createPool(config: DatabaseConfig, applicationName: string): Pool {
  const pool = new Pool({
    connectionString: config.url,
    max: config.poolMax,
    connectionTimeoutMillis: config.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    statement_timeout: config.statementTimeoutMs,
    application_name: applicationName,
  });
  // An idle connection that breaks (the server restarts) emits here; without a listener Node exits.
  pool.on("error", (error) => log("warn", "idle database connection failed", errorFields(error)));
  return pool;
}
