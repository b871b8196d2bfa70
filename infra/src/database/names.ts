import { formatCidr, parseCidr, subnetOf } from "../cidr";
import { EngineVersion } from "./settings";

/**
 * Names, addresses and the connection URL of the stack's database. Pure.
 * RDS identifiers (instances, snapshots, proxies): 1-63 letters, digits and hyphens, starting with
 * a letter, with no double hyphen and no trailing hyphen. App and stack names may hold both, so
 * they are folded first.
 */

/** The master user: fixed, and none of the roles RDS creates itself (rdsadmin, rds_superuser ...). */
export const MASTER_USERNAME = "berth";
export const POSTGRES_PORT = 5432;

/** `a--b-` -> `a-b`: a name part RDS takes inside an identifier. */
function foldHyphens(part: string): string {
  return part.replace(/-+/g, "-").replace(/^-|-$/g, "");
}

/** The instance's logical name; Pulumi appends 8 characters for the identifier (at most 32 in all). */
export function databaseResourceName(app: string): string {
  return `${foldHyphens(app)}-db`;
}

/**
 * The final snapshot RDS takes when the instance is deleted: `<app>-<stack>-final-<suffix>`, cut to
 * 63 characters. The random suffix keeps a second delete (after a re-create) from colliding.
 */
export function finalSnapshotIdentifier(app: string, stack: string, suffix: string): string {
  const tail = `-final-${suffix}`;
  const head = foldHyphens(`${foldHyphens(app)}-${foldHyphens(stack)}`.slice(0, 63 - tail.length));
  return `${head}${tail}`;
}

/** The app's database: PostgreSQL's rules (a letter, then letters, digits, _; at most 63). */
export function databaseName(app: string): string {
  return app.replace(/-+/g, "_").replace(/_$/, "").slice(0, 63);
}

/** The parameter group family of a PostgreSQL major version. */
export function parameterGroupFamily(engineVersion: EngineVersion): string {
  return `postgres${engineVersion}`;
}

/**
 * The database subnets, one per zone: the VPC is cut into 16 blocks (cidr.ts's planSubnets uses
 * blocks 0-5 for public and 8-13 for private subnets at most), and blocks 6-7 together are cut
 * into 8 subnets, one per zone. A /16 gives /22s, a /22 gives /28s (RDS's smallest).
 */
export function planDatabaseSubnets(vpcCidr: string, zoneCount: number): string[] {
  const vpc = parseCidr(vpcCidr);
  if (!vpc) throw new Error(`not an IPv4 CIDR: "${vpcCidr}"`);
  if (zoneCount < 1 || zoneCount > 8) throw new Error(`zone count ${zoneCount} must be 1 to 8`);
  const pair = subnetOf(vpc, vpc.prefix + 3, 3);
  return Array.from({ length: zoneCount }, (_, i) => formatCidr(subnetOf(pair, vpc.prefix + 6, i)));
}

export interface DatabaseEndpoint {
  host: string;
  port: number;
  username: string;
  password: string;
  database: string;
}

/** `postgres://user:password@host:port/db?sslmode=require`, user and password URL-encoded. */
export function databaseUrl(endpoint: DatabaseEndpoint): string {
  const user = encodeURIComponent(endpoint.username);
  const password = encodeURIComponent(endpoint.password);
  const database = encodeURIComponent(endpoint.database);
  return `postgres://${user}:${password}@${endpoint.host}:${endpoint.port}/${database}?sslmode=require`;
}
