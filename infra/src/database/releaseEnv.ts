import type { StackConfig } from "../config";

/** The variable the app reads its database from, like on Heroku. */
export const DATABASE_URL = "DATABASE_URL";
/** The pool size the connection-limit check assumed: the app sizes its pools from it. */
export const DATABASE_POOL_SIZE = "DATABASE_POOL_SIZE";

/**
 * The config the release spec is built from, with the database's variables added: DATABASE_URL
 * among the secrets (it holds the password), DATABASE_POOL_SIZE among the plain values. Pure;
 * the config schema has already refused either name in berth:env or berth:secretEnv.
 */
export function withDatabaseEnv(config: StackConfig, databaseUrl: string | undefined): StackConfig {
  if (!config.database || databaseUrl === undefined) return config;
  return {
    ...config,
    env: { ...config.env, [DATABASE_POOL_SIZE]: String(config.database.poolSize) },
    secretEnv: { ...config.secretEnv, [DATABASE_URL]: databaseUrl },
  };
}

/** The names of the secrets the deploy's stdin carries, the database's included. */
export function secretEnvNames(config: StackConfig): string[] {
  const names = Object.keys(config.secretEnv);
  if (config.database) names.push(DATABASE_URL);
  return names.sort();
}
