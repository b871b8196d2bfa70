import { createHmac } from "node:crypto";
import { AGENT_PATH, AgentDeployInput, RegistryLogin, ReleaseSpec } from "./contract";
import { assertValidSpec } from "./specSchema";

/** Quotes one word for a POSIX shell: the result is always a single, literal argument. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_\-./:=@%+,]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** JSON with object keys sorted at every depth, so equal values always serialise identically. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)),
        )
      : v,
  );
}

/** A config hash key: 32 random bytes as 64 hex digits, one per stack. */
export const CONFIG_HASH_KEY = /^[0-9a-f]{64}$/;

/**
 * HMAC-SHA256 of the whole release spec under the stack's own random key: the same digest and
 * config give the same hash, always. The spec holds the secrets and the hash is stored in clear
 * (state, labels, receipts, /version), so it is keyed: without the key, a weak secret cannot be
 * tested against it offline.
 */
export function configHash(spec: ReleaseSpec, key: string): string {
  if (!CONFIG_HASH_KEY.test(key))
    throw new Error("the config hash key must be 64 hex digits (32 random bytes)");
  return createHmac("sha256", Buffer.from(key, "hex")).update(canonicalJson(spec)).digest("hex");
}

/** Per-host choices of one rollout that are not part of the release (and not of its config hash). */
export interface DeployOptions {
  /**
   * The release command runs once per rollout: on its first host, before any host switches.
   * Every other host gets `skipReleaseCommand: true` (`--skip-release-command`).
   */
  skipReleaseCommand?: boolean;
}

/** `berth-agent deploy`'s command line: identity only, nothing secret. */
export function renderDeployCommand(
  spec: ReleaseSpec,
  configHashKey: string,
  agentPath: string = AGENT_PATH,
  options: DeployOptions = {},
): string {
  assertValidSpec(spec);
  return [
    "sudo",
    "-n",
    agentPath,
    "deploy",
    "--app",
    spec.app,
    "--stack",
    spec.stack,
    "--image",
    spec.image,
    "--config-hash",
    configHash(spec, configHashKey),
    ...(options.skipReleaseCommand ? ["--skip-release-command"] : []),
  ]
    .map(shellQuote)
    .join(" ");
}

/** `berth-agent deploy`'s stdin: the spec and the registry login, as one JSON line. */
export function renderDeployStdin(spec: ReleaseSpec, registry: RegistryLogin): string {
  const input: AgentDeployInput = { spec, registry };
  return `${JSON.stringify(input)}\n`;
}

/** An agent action that needs only the release's identity: `berth-agent ACTION --app A --stack S`. */
function renderIdentityCommand(
  action: "rollback" | "status",
  app: string,
  stack: string,
  agentPath: string,
): string {
  return ["sudo", "-n", agentPath, action, "--app", app, "--stack", stack]
    .map(shellQuote)
    .join(" ");
}

/** `berth-agent rollback`: back to the previous release from the host's cache, no pull. */
export function renderRollbackCommand(
  app: string,
  stack: string,
  agentPath: string = AGENT_PATH,
): string {
  return renderIdentityCommand("rollback", app, stack, agentPath);
}

/** `berth-agent status`: one JSON document about the running release. */
export function renderStatusCommand(
  app: string,
  stack: string,
  agentPath: string = AGENT_PATH,
): string {
  return renderIdentityCommand("status", app, stack, agentPath);
}
