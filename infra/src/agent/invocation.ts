import { createHash } from "node:crypto";
import { AGENT_PATH, AgentDeployInput, RegistryLogin, ReleaseSpec } from "./contract";

const DIGEST_REFERENCE = /^[a-z0-9]+(?:[._\-/:][a-z0-9]+)*@sha256:[0-9a-f]{64}$/;
const NAME = /^[a-z][a-z0-9-]{0,39}$/;

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

/** sha256 of the whole release spec: the same digest and config give the same hash, always. */
export function configHash(spec: ReleaseSpec): string {
  return createHash("sha256").update(canonicalJson(spec)).digest("hex");
}

/** The first 12 hex digits of an image reference's digest: container names carry it. */
export function digest12(imageByDigest: string): string {
  const match = /@sha256:([0-9a-f]{64})$/.exec(imageByDigest);
  if (!match?.[1])
    throw new Error(
      `not an image reference by digest: "${imageByDigest}" (want repo@sha256:<64 hex>)`,
    );
  return match[1].slice(0, 12);
}

/** Rejects a spec the agent would refuse, before anything is sent to a host. */
export function assertValidSpec(spec: ReleaseSpec): void {
  const problems: string[] = [];
  if (!NAME.test(spec.app))
    problems.push(`app "${spec.app}" must be lowercase letters, digits and dashes`);
  if (!NAME.test(spec.stack))
    problems.push(`stack "${spec.stack}" must be lowercase letters, digits and dashes`);
  if (!DIGEST_REFERENCE.test(spec.image))
    problems.push(`image "${spec.image}" must be repo@sha256:<64 hex>`);
  if (!DIGEST_REFERENCE.test(spec.proxyImage))
    problems.push(`proxyImage "${spec.proxyImage}" must be repo@sha256:<64 hex>`);
  if (!spec.web.healthPath.startsWith("/"))
    problems.push(`web.healthPath "${spec.web.healthPath}" must start with /`);
  for (const name of Object.keys(spec.env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      problems.push(`env name "${name}" is not a valid variable name`);
  }
  if (problems.length > 0) throw new Error(`invalid release spec: ${problems.join("; ")}`);
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
    configHash(spec),
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

/** `berth-agent rollback`: back to the previous release from the host's cache, no pull. */
export function renderRollbackCommand(
  app: string,
  stack: string,
  agentPath: string = AGENT_PATH,
): string {
  return ["sudo", "-n", agentPath, "rollback", "--app", app, "--stack", stack]
    .map(shellQuote)
    .join(" ");
}

/** `berth-agent status`: one JSON document about the running release. */
export function renderStatusCommand(
  app: string,
  stack: string,
  agentPath: string = AGENT_PATH,
): string {
  return ["sudo", "-n", agentPath, "status", "--app", app, "--stack", stack]
    .map(shellQuote)
    .join(" ");
}
