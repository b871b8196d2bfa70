/**
 * The contract between whoever starts a release (the Pulumi program over `remote.Command`, the
 * local fleet, the operator CLI) and the host deploy agent (`infra/host/berth-agent`).
 *
 * A deploy is `berth-agent deploy` with the release identity in argv (non-secret, shows in `ps`
 * and in the lock holder message) and everything else as one JSON document on stdin
 * ({@link AgentDeployInput}): the process spec, the app's environment (which may hold secrets)
 * and, where the host has no credential helper, the registry login.
 */

/** The app's processes and settings for one release; hashed into the release's config hash. */
export interface ReleaseSpec {
  /** App name: container labels, names and the host's state directory derive from it. */
  app: string;
  /** Stack name (staging, prod, local): a label on every container. */
  stack: string;
  /** The app image, always by digest: `repo@sha256:<64 hex>`. */
  image: string;
  /** The reverse proxy (nginx) image, by digest. */
  proxyImage: string;
  web: {
    /** Command override for the web process; null runs the image's CMD. */
    command: string[] | null;
    /** Port the app listens on inside its container. */
    port: number;
    /** Path that answers 200 when the app is ready and 503 while it drains. */
    healthPath: string;
  };
  /** The background worker process, or null for none. */
  worker: { command: string[]; count: number } | null;
  /** Run once per rollout in a one-off container before any switch (migrations); null for none. */
  releaseCommand: string[] | null;
  /** The app's environment. Values may be secrets: never put this in argv or a log. */
  env: Record<string, string>;
  timeouts: {
    /** How long the new web container may take to turn healthy. */
    healthSeconds: number;
    /** How long the old web container keeps serving in-flight requests after the switch. */
    drainSeconds: number;
    /** SIGTERM-to-SIGKILL grace for every container the agent stops. */
    stopSeconds: number;
  };
  /** How many releases (images and stopped containers) to keep for instant rollback. */
  keepReleases: number;
}

/** How the host logs in to the registry before pulling. */
export type RegistryLogin =
  /** A docker credential helper is configured on the host (ECR: docker-credential-ecr-login). */
  | { server: string; method: "helper" }
  /** Username and password passed on stdin; never in argv, never echoed. */
  | { server: string; method: "password"; username: string; password: string };

/** The JSON document `berth-agent deploy` reads from stdin. */
export interface AgentDeployInput {
  spec: ReleaseSpec;
  registry: RegistryLogin;
}

/** `berth-agent`'s exit codes; the last stdout line is always a one-line JSON summary. */
export const AGENT_EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  locked: 3,
  registry: 4,
  releaseCommand: 5,
  unhealthy: 6,
  proxy: 7,
} as const;

/** Where cloud-init (and the local fleet's host image) installs the agent. */
export const AGENT_PATH = "/usr/local/bin/berth-agent";
