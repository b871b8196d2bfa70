/**
 * The fleet's PostgreSQL: RDS's stand-in, a container on the fleet network built from
 * fleet/postgres/ (Debian 12's postgresql-15). The app reaches it with DATABASE_URL, which the
 * local release spec carries in its env (a secret: the agent never logs or echoes env values).
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { docker, dockerSync } from "./exec";
import { FleetSettings, fleetNames } from "./settings";
import { waitFor } from "./wait";

export const PG_USER = "berth";
export const PG_DATABASE = "berth";
export const PG_PORT = 5432;

/** What a running fleet's database gives its callers. */
export interface FleetDatabase {
  /** The container, for `docker exec ... psql` (tests, operators). */
  container: string;
  /** postgres://berth:<password>@<address>:5432/berth, as the app containers on the hosts use it. */
  url: string;
}

export const postgresPasswordFile = (settings: FleetSettings) =>
  path.join(settings.stateDir, "postgres-password");

/** A new random password, made once per fleet and kept 0600 in its state directory. */
export function ensurePostgresPassword(settings: FleetSettings): string {
  const file = postgresPasswordFile(settings);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, randomBytes(18).toString("base64url"), { mode: 0o600 });
  }
  return fs.readFileSync(file, "utf8").trim();
}

/** The app's connection URL; no TLS parameters: the fleet network never leaves this machine. */
export function databaseUrl(password: string, host: string): string {
  return `postgres://${PG_USER}:${encodeURIComponent(password)}@${host}:${PG_PORT}/${PG_DATABASE}`;
}

/**
 * The database container's address on the fleet network. The app containers run inside the hosts'
 * own dockerd, whose DNS cannot resolve the fleet network's names, so the URL carries the address.
 */
function postgresAddress(prefix: string): string | undefined {
  const names = fleetNames(prefix);
  const out = dockerSync([
    "inspect",
    "--format",
    `{{with index .NetworkSettings.Networks "${names.network}"}}{{.IPAddress}}{{end}}`,
    names.postgres,
  ]);
  const address = out.code === 0 ? out.stdout.trim() : "";
  return address === "" ? undefined : address;
}

/** Waits until the server accepts connections for the app's database (pg_isready over TCP). */
export async function waitForPostgres(prefix: string, timeoutMs = 60_000): Promise<void> {
  const container = fleetNames(prefix).postgres;
  await waitFor(
    `${container} to accept connections`,
    async () => {
      const r = await docker(
        ["exec", container, "pg_isready", "-h", "127.0.0.1", "-U", PG_USER, "-d", PG_DATABASE],
        { allowFail: true },
      );
      if (r.code !== 0) throw new Error(r.stdout.trim() || r.stderr.trim() || `exit ${r.code}`);
      return true;
    },
    { timeoutMs, intervalMs: 300 },
  );
}

/** The running fleet's database, or null when this fleet has none (started before it had one). */
export function connectDatabase(settings: FleetSettings): FleetDatabase | null {
  const file = postgresPasswordFile(settings);
  const address = postgresAddress(settings.prefix);
  if (!address || !fs.existsSync(file)) return null;
  return {
    container: fleetNames(settings.prefix).postgres,
    url: databaseUrl(fs.readFileSync(file, "utf8").trim(), address),
  };
}
