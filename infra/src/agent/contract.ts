/**
 * The contract between whoever starts a release (the Pulumi program over `remote.Command`, the
 * operator CLI for the local fleet and for AWS) and the host deploy agent (`infra/host/berth-agent`).
 *
 * A deploy is `berth-agent deploy` with the release identity in argv (non-secret, shows in `ps`
 * and in the lock holder message) and everything else as one JSON document on stdin
 * ({@link AgentDeployInput}): the process spec, the app's environment (which may hold secrets)
 * and, where the host has no credential helper, the registry login.
 *
 * Every value both sides need lives here once. The agent holds a copy of the shell-visible ones
 * in a block rendered by {@link renderAgentContractBlock}; a unit test fails when the two drift.
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
    /** How long the new web container, and a (re)started proxy, may take to turn healthy. */
    healthSeconds: number;
    /** How long the old web container keeps serving in-flight requests after the switch. */
    drainSeconds: number;
    /** SIGTERM-to-SIGKILL grace for every container the agent stops. */
    stopSeconds: number;
  };
  /** How many releases (images and stopped containers) to keep for instant rollback. */
  keepReleases: number;
  /** The checks around the switch that stop a release which is healthy but serves errors. */
  guard: ReleaseGuard;
  /**
   * Where the app's containers log. Absent: the host's docker default (AWS hosts: `local`; the
   * local fleet: `json-file`). `awslogs`: one CloudWatch log group per process type, one stream
   * per host and container.
   */
  logging?: ContainerLogging;
  /**
   * Jobs the rollout's first host runs on a schedule (berth:schedule), each in a one-off container
   * of the current release. Absent when there are none, so a stack without jobs keeps its hash.
   */
  schedule?: ScheduledJob[];
}

/** One scheduled job as the agent matches it against the UTC time, minute by minute. */
export interface ScheduledJob {
  name: string;
  /** The expression it came from, for messages and `berth status`. */
  cron: string;
  command: string[];
  minute: number[];
  hour: number[];
  dayOfMonth: number[];
  month: number[];
  /** 0 is Sunday. */
  dayOfWeek: number[];
  /** cron's rule: "either" when both day fields were restricted (a day matches if one does). */
  days: "both" | "either";
}

/** The docker log driver of the app's containers (web, workers, the release command). */
export type ContainerLogging =
  | { driver: "json-file" }
  | {
      driver: "awslogs";
      /** The log groups' region. */
      region: string;
      /** The log group of each process type; the program creates them, the agent never does. */
      groups: { web: string; worker: string; release: string };
    };

/** The deploy guard: smoke checks before the switch, a bake with switch-back after it. */
export interface ReleaseGuard {
  /** Requested on the new container before any traffic moves; each must answer a `smokeStatuses` status. */
  smokePaths: string[];
  /** Accepted smoke answers: a class like "2xx" or an exact code like "404". */
  smokeStatuses: string[];
  /**
   * Seconds after the switch during which the previous web container stays ready out of rotation
   * and the proxy's log of the new release is watched; 0 skips the bake.
   */
  bakeSeconds: number;
  /**
   * The bake switches back when the new release's 5xx share on the host exceeds this (0 to 1)
   * and also exceeds the previous release's share before the switch.
   */
  maxErrorRate: number;
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

// --- names and patterns -------------------------------------------------------------------------
// Written so that JavaScript and bash's `[[ =~ ]]` (POSIX ERE) read them the same way.

/** App names: 2-20 characters, so that AWS names built from them (ALB: 32) stay in bounds. */
export const APP_NAME_PATTERN = "^[a-z][a-z0-9-]{1,19}$";
/** Scheduled job names (berth:schedule): container names and log lines carry them. */
export const JOB_NAME_PATTERN = "^[a-z][a-z0-9-]{0,30}$";
/** Stack names as the agent accepts them (Pulumi allows more; berth's stacks are short words). */
export const STACK_NAME_PATTERN = "^[a-z][a-z0-9-]{0,39}$";
/** An image by digest: `repo@sha256:<64 hex>` (the repo may carry a registry host and port). */
export const IMAGE_BY_DIGEST_PATTERN = "^[a-z0-9]+([._/:-][a-z0-9]+)*@sha256:[0-9a-f]{64}$";
/** A config hash: HMAC-SHA256 of the canonical spec under the stack's key (invocation.ts). */
export const CONFIG_HASH_PATTERN = "^[0-9a-f]{64}$";
/** An environment variable name. */
export const ENV_NAME_PATTERN = "^[A-Za-z_][A-Za-z0-9_]*$";
/** A CloudWatch Logs group name (berth's are /berth/<app>/<stack>/<process>). */
export const LOG_GROUP_PATTERN = "^[A-Za-z0-9_/.#-]{1,512}$";
/** An AWS region. */
export const AWS_REGION_PATTERN = "^[a-z]{2}(-gov)?-[a-z]+-[0-9]$";

export const APP_NAME = new RegExp(APP_NAME_PATTERN);
export const STACK_NAME = new RegExp(STACK_NAME_PATTERN);
export const IMAGE_BY_DIGEST = new RegExp(IMAGE_BY_DIGEST_PATTERN);
export const CONFIG_HASH = new RegExp(CONFIG_HASH_PATTERN);
export const ENV_NAME = new RegExp(ENV_NAME_PATTERN);
export const LOG_GROUP = new RegExp(LOG_GROUP_PATTERN);
export const AWS_REGION = new RegExp(AWS_REGION_PATTERN);

/** The login user on every host (Amazon Linux 2023's, with passwordless sudo; the fleet's hosts copy it). */
export const HOST_LOGIN_USER = "ec2-user";

/** Where the host's agent lives; the release installs it there over SSH (checksummed). */
export const AGENT_PATH = "/usr/local/bin/berth-agent";
/** The agent's state root on every host: `<root>/<app>-<stack>/{current,history,releases/...}`. */
export const STATE_ROOT = "/var/lib/berth";

/** The proxy container as the agent runs it (see nginx/nginx.conf). */
export const PROXY = {
  /** Where nginx.conf includes the generated upstream from, inside the proxy container. */
  includeDir: "/etc/nginx/berth",
  /** The generated upstream file's name in that directory (and in the host's state dir). */
  upstreamFile: "upstream.conf",
  /** The port nginx listens on inside its container. */
  containerPort: 8080,
  /** The host port the proxy is published on: what the ALB (or the fleet's LB) checks. */
  hostPort: 80,
  /** Host-level proxy settings (TRUSTED_PROXY_CIDRS), written by cloud-init; optional. */
  envFile: "/etc/berth/proxy.env",
} as const;

/** The labels every container the agent starts carries, so every command can find it. */
export const LABEL = {
  app: "berth.app",
  stack: "berth.stack",
  role: "berth.role",
  digest: "berth.digest",
  configHash: "berth.config-hash",
  release: "berth.release",
  /** A scheduled job's name, on its containers. */
  job: "berth.job",
} as const;

/** The `berth.role` values. */
export const ROLE = {
  web: "web",
  worker: "worker",
  proxy: "proxy",
  release: "release",
  /** `berth run`'s one-off containers. */
  run: "run",
  /** Scheduled jobs' containers (berth:schedule). */
  job: "job",
} as const;

/** The agent's timing rules that are not part of a release's spec. */
export const AGENT_TIMING = {
  /** One health probe's timeout (capped by the spec's healthSeconds). */
  probeSeconds: 3,
  /** A new worker counts as up when it still runs, never restarted, this long after it started. */
  workerStayUpMs: 2000,
  /** The bake judges before its end once the new release has answered this many requests. */
  bakeEarlyVerdictRequests: 10,
  /** How long a deploy or rollback waits for the previous deploy's background work (drain, prune). */
  backgroundWaitSeconds: 700,
} as const;

/** The docker network the app's containers and the proxy share on a host. */
export function networkName(app: string, stack: string): string {
  return `berth-${app}-${stack}`;
}

/** The proxy container's name on a host. */
export function proxyContainerName(app: string, stack: string): string {
  return `${app}-${stack}-proxy`;
}

/** The agent's state directory for one app and stack on a host. */
export function stateDir(app: string, stack: string, root: string = STATE_ROOT): string {
  return `${root}/${app}-${stack}`;
}

/** The 64 hex digits of an image reference by digest (`repo@sha256:<hex>`) or a bare `sha256:<hex>`. */
function digestHex(imageOrDigest: string): string {
  const match = /sha256:([0-9a-f]{64})$/.exec(imageOrDigest);
  if (!match?.[1])
    throw new Error(
      `not an image reference by digest: "${imageOrDigest}" (want repo@sha256:<64 hex>)`,
    );
  return match[1];
}

/** The first 12 hex digits of a digest: container names and tables carry it. */
export function digest12(imageOrDigest: string): string {
  return digestHex(imageOrDigest).slice(0, 12);
}

/** A release's id on a host: `<digest12>-<confighash12>` (the same digest with new config is a new release). */
export function releaseId(image: string, configHash: string): string {
  return `${digest12(image)}-${configHash.slice(0, 12)}`;
}

// --- exit codes and output ----------------------------------------------------------------------

/** `berth-agent`'s exit codes; the last stdout line is always a one-line JSON document. */
export const AGENT_EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  locked: 3,
  registry: 4,
  releaseCommand: 5,
  unhealthy: 6,
  proxy: 7,
  /** A smoke check failed before the switch; the previous release kept serving. */
  smoke: 8,
  /** The bake saw too many 5xx after the switch; the host is back on the previous release. */
  switchedBack: 9,
} as const;

/** The name of an exit code (`unhealthy`), or `exit N` for one the agent does not define. */
export function agentExitName(code: number): string {
  return Object.entries(AGENT_EXIT).find(([, value]) => value === code)?.[0] ?? `exit ${code}`;
}

/** What `deploy` and `rollback` print as their last stdout line, and append to the host's receipts. */
export interface AgentSummary {
  time: string;
  host: string;
  action: "deploy" | "rollback" | "status" | "";
  app: string;
  stack: string;
  image: string;
  /** `sha256:<hex>` of the image, or "". */
  digest: string;
  configHash: string;
  release: string;
  outcome: "deployed" | "unchanged" | "rolled-back" | "failed";
  exitCode: number;
  reason: string;
  pulled: boolean;
  /** Per phase (lock, login, pull, release, boot, smoke, switch, bake, workers, drain, prune, total), ms. */
  durationsMs: Record<string, number>;
  /** The bake's figures when one ran (deploy and rollback with bakeSeconds > 0), else null. */
  bake: BakeResult | null;
  /**
   * The work left after a successful switch (stop the previous release's workers, drain and stop
   * its web container, prune), done in the background: "running" in the deploy's own summary.
   */
  background: BackgroundOutcome | null;
  /** The previous deploy's background work when it failed: reported by the next deploy. */
  previousBackgroundFailure: BackgroundOutcome | null;
}

/** What the proxy's log showed during a bake, and the verdict. */
export interface BakeResult {
  seconds: number;
  /** Requests nginx sent to the new release after the switch, and how many answered 5xx. */
  requests: number;
  errors: number;
  /** The previous release's requests and 5xx in the same length of time before the switch. */
  previousRequests: number;
  previousErrors: number;
  maxErrorRate: number;
  verdict: "passed" | "switched-back";
  /** From the switch to the switch-back, when there was one. */
  switchBackAfterMs: number | null;
}

/** The background part of a deploy, as the host's state directory records it. */
export interface BackgroundOutcome {
  release: string;
  state: "running" | "succeeded" | "failed";
  reason: string;
  time: string;
  durationsMs: Record<string, number>;
}

/** What `status` prints as its last stdout line. */
export interface AgentStatus {
  host: string;
  app: string;
  stack: string;
  release: string;
  image: string;
  digest: string;
  configHash: string;
  /** The current release's web container runs and answers 200 on the health path. */
  healthy: boolean;
  containers: {
    name: string;
    id: string;
    role: string;
    state: string;
    release: string;
    image: string;
    healthy: boolean | null;
  }[];
  lastReceipt: AgentSummary | null;
  /** The latest deploy's background work (drain, old workers, prune), or null when none ran. */
  background: BackgroundOutcome | null;
}

/** The agent prints progress on stderr and one JSON document as its last stdout line. */
function lastJsonLine(stdout: string): Record<string, unknown> | null {
  const last = stdout.trimEnd().split("\n").pop() ?? "";
  try {
    const parsed: unknown = JSON.parse(last);
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** The summary a deploy or rollback printed, or null when its stdout does not end with one. */
export function parseAgentSummary(stdout: string): AgentSummary | null {
  const parsed = lastJsonLine(stdout);
  return parsed && typeof parsed.outcome === "string" ? (parsed as unknown as AgentSummary) : null;
}

/** The document `status` printed; throws, quoting the line, when it is not one. */
export function parseAgentStatus(stdout: string): AgentStatus {
  const parsed = lastJsonLine(stdout);
  if (!parsed || typeof parsed.healthy !== "boolean" || !Array.isArray(parsed.containers))
    throw new Error(
      `not a berth-agent status document: ${(stdout.trimEnd().split("\n").pop() ?? "").slice(0, 120)}`,
    );
  return parsed as unknown as AgentStatus;
}

// --- the agent's copy ---------------------------------------------------------------------------

/**
 * The block of constants the agent holds, exactly as it must appear in `infra/host/berth-agent`
 * between its `# --- contract` markers. Bash cannot import TypeScript, so the agent keeps a
 * copy and `tests/unit/agent-contract.test.ts` fails when the copy and this rendering differ.
 */
export function renderAgentContractBlock(): string {
  const exit = (name: keyof typeof AGENT_EXIT) => AGENT_EXIT[name];
  const lines = [
    `readonly EXIT_OK=${exit("ok")} EXIT_FAILED=${exit("failed")} EXIT_USAGE=${exit("usage")} EXIT_LOCKED=${exit("locked")}`,
    `readonly EXIT_REGISTRY=${exit("registry")} EXIT_RELEASE_COMMAND=${exit("releaseCommand")} EXIT_UNHEALTHY=${exit("unhealthy")} EXIT_PROXY=${exit("proxy")}`,
    `readonly EXIT_SMOKE=${exit("smoke")} EXIT_SWITCHED_BACK=${exit("switchedBack")}`,
    `readonly APP_NAME_RE='${APP_NAME_PATTERN}'`,
    `readonly STACK_NAME_RE='${STACK_NAME_PATTERN}'`,
    `readonly IMAGE_BY_DIGEST_RE='${IMAGE_BY_DIGEST_PATTERN}'`,
    `readonly CONFIG_HASH_RE='${CONFIG_HASH_PATTERN}'`,
    `readonly LOG_GROUP_RE='${LOG_GROUP_PATTERN}' AWS_REGION_RE='${AWS_REGION_PATTERN}'`,
    `readonly LABEL_APP=${LABEL.app} LABEL_STACK=${LABEL.stack} LABEL_ROLE=${LABEL.role}`,
    `readonly LABEL_DIGEST=${LABEL.digest} LABEL_CONFIG_HASH=${LABEL.configHash} LABEL_RELEASE=${LABEL.release}`,
    `readonly LABEL_JOB=${LABEL.job} JOB_NAME_RE='${JOB_NAME_PATTERN}'`,
    `readonly PROBE_SECONDS=${AGENT_TIMING.probeSeconds} WORKER_STAY_UP_MS=${AGENT_TIMING.workerStayUpMs}`,
    `readonly BAKE_EARLY_VERDICT_REQUESTS=${AGENT_TIMING.bakeEarlyVerdictRequests} BACKGROUND_WAIT_SECONDS=${AGENT_TIMING.backgroundWaitSeconds}`,
    `PROXY_INCLUDE_DIR=\${BERTH_PROXY_INCLUDE_DIR:-${PROXY.includeDir}}`,
    `PROXY_UPSTREAM_FILE=\${BERTH_PROXY_UPSTREAM_FILE:-${PROXY.upstreamFile}}`,
    `PROXY_CONTAINER_PORT=\${BERTH_PROXY_CONTAINER_PORT:-${PROXY.containerPort}}`,
    `HOST_HTTP_PORT=\${BERTH_HOST_HTTP_PORT:-${PROXY.hostPort}}`,
    `PROXY_ENV_FILE=\${BERTH_PROXY_ENV_FILE:-${PROXY.envFile}}`,
    `STATE_ROOT=\${BERTH_STATE_DIR:-${STATE_ROOT}}`,
    `network_name() { printf '%s' "${networkName("$1", "$2")}"; }`,
    `proxy_container_name() { printf '%s' "${proxyContainerName("$1", "$2")}"; }`,
  ];
  return lines.join("\n");
}
