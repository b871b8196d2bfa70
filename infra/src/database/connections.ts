import type { DatabaseConfig } from "./settings";

/**
 * The database's connection budget: RDS's default max_connections for the instance classes berth
 * allows, and whether the app's pools fit it at a deploy's peak. Pure.
 */

/**
 * The instance classes berth allows, with their memory in GiB (AWS's instance class table). The
 * memory is what RDS's default max_connections is computed from.
 */
export const INSTANCE_CLASS_MEMORY_GIB: Readonly<Record<string, number>> = {
  "db.t4g.micro": 1,
  "db.t4g.small": 2,
  "db.t4g.medium": 4,
  "db.t4g.large": 8,
  "db.t4g.xlarge": 16,
  "db.t4g.2xlarge": 32,
  "db.m7g.large": 8,
  "db.m7g.xlarge": 16,
  "db.m7g.2xlarge": 32,
  "db.m7g.4xlarge": 64,
  "db.r7g.large": 16,
  "db.r7g.xlarge": 32,
  "db.r7g.2xlarge": 64,
};
export const INSTANCE_CLASSES = Object.keys(INSTANCE_CLASS_MEMORY_GIB);

/** RDS's default for PostgreSQL: max_connections = LEAST(DBInstanceClassMemory / 9531392, 5000). */
const BYTES_PER_CONNECTION = 9531392;
const MAX_CONNECTIONS_CAP = 5000;
/**
 * DBInstanceClassMemory is the class's memory less what the OS and RDS's own processes hold, so
 * the real limit is below the formula on the nominal memory (most on the small classes): the app
 * gets at most this share of the formula's figure.
 */
export const CONNECTION_HEADROOM = 0.2;
/**
 * Connections kept out of the app's budget: PostgreSQL's superuser_reserved_connections (3) and
 * RDS's rds.rds_superuser_reserved_connections (2), plus an operator's psql session through the
 * bastion, a dump or a monitoring agent.
 */
export const RESERVED_CONNECTIONS = 10;

/** RDS's default max_connections for an instance class (the formula on its nominal memory). */
export function defaultMaxConnections(instanceClass: string): number {
  const gib = INSTANCE_CLASS_MEMORY_GIB[instanceClass];
  if (gib === undefined) throw new Error(`unknown instance class ${instanceClass}`);
  return Math.min(Math.floor((gib * 1024 ** 3) / BYTES_PER_CONNECTION), MAX_CONNECTIONS_CAP);
}

/** The connections the app's containers may hold on an instance class. */
export function appConnectionBudget(instanceClass: string): number {
  return (
    Math.floor(defaultMaxConnections(instanceClass) * (1 - CONNECTION_HEADROOM)) -
    RESERVED_CONNECTIONS
  );
}

/** What the app's containers hold at a deploy's peak. */
export interface ConnectionDemand {
  hosts: number;
  /** Worker containers per host (0: none). */
  workers: number;
  /** Whether a release command runs (once per rollout, beside the running release). */
  releaseCommand: boolean;
}

/**
 * Connections the app may hold at once: during a deploy the new web container and workers run
 * beside the old ones on a host, so each host holds two of each; the release command holds one
 * more pool on the first host.
 */
export function peakConnections(poolSize: number, demand: ConnectionDemand): number {
  const containersPerHost = 2 * (1 + demand.workers);
  return poolSize * containersPerHost * demand.hosts + (demand.releaseCommand ? poolSize : 0);
}

/** The largest pool size that fits a budget, or 0 when not even one connection per container does. */
function largestFittingPool(budget: number, demand: ConnectionDemand): number {
  const perPool = peakConnections(1, demand);
  return Math.max(0, Math.floor(budget / perPool));
}

/** The smallest allowed instance class whose budget fits the demand, or undefined. */
function smallestFittingClass(needed: number): string | undefined {
  return [...INSTANCE_CLASSES]
    .sort((a, b) => appConnectionBudget(a) - appConnectionBudget(b))
    .find((c) => appConnectionBudget(c) >= needed);
}

/**
 * One line when the app's pools do not fit the instance's connection limit, naming the numbers
 * and the fixes; undefined when they fit or an RDS Proxy multiplexes the app's connections.
 */
export function connectionLimitProblem(
  database: Pick<DatabaseConfig, "instanceClass" | "poolSize" | "rdsProxy">,
  demand: ConnectionDemand,
): string | undefined {
  if (database.rdsProxy) return undefined;
  const needed = peakConnections(database.poolSize, demand);
  const budget = appConnectionBudget(database.instanceClass);
  if (needed <= budget) return undefined;
  const containers = 2 * (1 + demand.workers);
  const release = demand.releaseCommand ? ` + ${database.poolSize} for the release command` : "";
  const fixes: string[] = [];
  const pool = largestFittingPool(budget, demand);
  if (pool >= 1) fixes.push(`lower berth:database.poolSize to ${pool}`);
  const bigger = smallestFittingClass(needed);
  if (bigger)
    fixes.push(`set berth:database.instanceClass to ${bigger} (${appConnectionBudget(bigger)})`);
  fixes.push("turn on berth:database.rdsProxy");
  return (
    `berth:database.poolSize ${database.poolSize} × ${containers} app containers per host at a deploy's peak ` +
    `(web and ${demand.workers} worker(s), old and new side by side) × ${demand.hosts} host(s)${release} = ${needed} connections, ` +
    `more than the ${budget} berth:database.instanceClass ${database.instanceClass} leaves the app ` +
    `(max_connections ${defaultMaxConnections(database.instanceClass)}, less ${CONNECTION_HEADROOM * 100}% headroom and ${RESERVED_CONNECTIONS} reserved); ` +
    `${fixes.join(", or ")} (got poolSize ${database.poolSize})`
  );
}
