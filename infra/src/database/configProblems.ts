import { DATABASE_POOL_SIZE, DATABASE_URL } from "./releaseEnv";
import { connectionLimitProblem } from "./connections";
import { DatabaseConfig, databaseStorageProblem } from "./settings";

export interface DatabaseContext {
  env: Record<string, string>;
  secretEnv: Record<string, string>;
  hosts: number;
  workers: number;
  releaseCommand: boolean;
}

/**
 * What is wrong with `berth:database` given the rest of the stack's config, one line each: the
 * storage ceiling, a variable the database sets that the stack sets too, and the connection limit.
 */
export function databaseConfigProblems(
  database: DatabaseConfig,
  context: DatabaseContext,
): string[] {
  const problems: string[] = [];
  const storage = databaseStorageProblem(database);
  if (storage) problems.push(storage);
  for (const name of [DATABASE_URL, DATABASE_POOL_SIZE]) {
    for (const key of ["berth:secretEnv", "berth:env"] as const) {
      const map = key === "berth:env" ? context.env : context.secretEnv;
      if (name in map)
        problems.push(
          `${key}.${name} must not be set while berth:database is on: the stack's database sets ${name} itself; remove it with pulumi config rm --path '${key.slice("berth:".length)}.${name}', or remove berth:database to keep your own (got both)`,
        );
    }
  }
  const limit = connectionLimitProblem(database, {
    hosts: context.hosts,
    workers: context.workers,
    releaseCommand: context.releaseCommand,
  });
  if (limit) problems.push(limit);
  return problems;
}
