import {
  APP_NAME,
  LABEL,
  ROLE,
  STACK_NAME,
  STATE_ROOT,
  networkName,
  stateDir,
} from "../../infra/src/agent/contract";
import { shellQuote } from "../../infra/src/agent/invocation";

/**
 * Pure builders of the shell commands the operator CLI runs on a host over SSH. The agent's own
 * commands (status, rollback) come from infra/src/agent/invocation.ts; these cover what the agent
 * does not: reading container logs and starting a one-off container of the running release.
 * Every value that reaches the remote shell goes through `shellQuote`.
 */

/** What an operator calls a process, and the role label the agent gives its containers. */
export const PROCESS_ROLES = { app: ROLE.web, worker: ROLE.worker, nginx: ROLE.proxy } as const;
export type ProcessName = keyof typeof PROCESS_ROLES;

/**
 * The app and stack go into shell scripts run as root on the hosts: only names the agent itself
 * accepts pass, whatever a stack's YAML says.
 */
export function assertValidIdentity(app: string, stack: string): void {
  if (!APP_NAME.test(app))
    throw new Error(
      `berth:app "${app}" must be 2-20 lowercase letters, digits or dashes, starting with a letter`,
    );
  if (!STACK_NAME.test(stack))
    throw new Error(
      `stack "${stack}" must be 1-40 lowercase letters, digits or dashes, starting with a letter`,
    );
}

export function isProcessName(name: string): name is ProcessName {
  return Object.prototype.hasOwnProperty.call(PROCESS_ROLES, name);
}

export interface LogsRequest {
  app: string;
  stack: string;
  processes: ProcessName[];
  /** Lines of history per container before following. */
  tail: number;
  follow: boolean;
  /** Passed to `docker logs --since` (e.g. 10m, 2026-11-26T10:00:00). */
  since?: string;
}

const SINCE = /^(\d+[smhd]|\d{4}-\d{2}-\d{2}(T[\d:.]+Z?)?)$/;

/** Rejects a logs request the remote script could not honour, before any host is contacted. */
export function assertValidLogsRequest(request: Omit<LogsRequest, "app" | "stack">): void {
  if (request.processes.length === 0) throw new Error("logs: choose at least one process");
  if (!Number.isInteger(request.tail) || request.tail < 0)
    throw new Error(`logs: --tail must be a whole number of lines (got ${request.tail})`);
  if (request.since !== undefined && !SINCE.test(request.since))
    throw new Error(
      `logs: --since must be a duration like 10m or 2h, or a date like 2026-11-26T10:00:00Z (got "${request.since}")`,
    );
}

/**
 * One remote script that prints the logs of every running container of the chosen processes,
 * each line prefixed with its container name, all containers at once (so `--follow` follows them
 * all) and ending when every `docker logs` has ended.
 */
export function renderLogsCommand(request: LogsRequest): string {
  assertValidIdentity(request.app, request.stack);
  assertValidLogsRequest(request);
  const roles = request.processes.map((p) => PROCESS_ROLES[p]);
  const logsFlags = [
    "--timestamps",
    "--tail",
    String(request.tail),
    ...(request.follow ? ["--follow"] : []),
    ...(request.since ? ["--since", request.since] : []),
  ];
  const filters = [`label=${LABEL.app}=${request.app}`, `label=${LABEL.stack}=${request.stack}`]
    .map((f) => `--filter ${shellQuote(f)}`)
    .join(" ");
  return [
    "set -eu",
    `for role in ${roles.map(shellQuote).join(" ")}; do`,
    `  for name in $(sudo -n docker ps ${filters} --filter "label=${LABEL.role}=$role" --format '{{.Names}}'); do`,
    `    sudo -n docker logs ${logsFlags.map(shellQuote).join(" ")} "$name" 2>&1 | sed -u "s|^|$name |" &`,
    "  done",
    "done",
    "wait",
  ].join("\n");
}

export interface RunRequest {
  app: string;
  stack: string;
  /** The command to run in the new container (argv, not a shell string). */
  argv: string[];
  /** Allocate a terminal and keep stdin open (consoles); off for scripted one-offs. */
  interactive: boolean;
  /** The agent's state root on the host; tests point it elsewhere. */
  stateRoot?: string;
}

const noReleaseCheck = (request: RunRequest) =>
  `[ -s "$state/current" ] || { echo "no release is running here for ${request.app}/${request.stack}" >&2; exit 1; }`;

/** Runs `script` as root with the argv as "$@": nothing of the argv is evaluated by a shell. */
const asRoot = (script: string[], name: string, argv: string[]) =>
  ["sudo", "-n", "sh", "-c", script.join("\n"), name, ...argv].map(shellQuote).join(" ");

/**
 * `berth run` (Heroku's `heroku run`): starts a fresh, removed-on-exit container of the release the
 * host is running now: same image by digest, same environment file, same private network as the
 * web containers, labelled role=run. Runs as root on the host because the environment file (which
 * holds secrets) is 0600.
 */
export function renderRunCommand(request: RunRequest): string {
  assertValidIdentity(request.app, request.stack);
  if (request.argv.length === 0)
    throw new Error("run: give the command to run, e.g. -- node --version");
  const state = stateDir(request.app, request.stack, request.stateRoot ?? STATE_ROOT);
  const script = [
    "set -eu",
    `state=${shellQuote(state)}`,
    noReleaseCheck(request),
    'release=$(cat "$state/current")',
    'image=$(jq -r .image "$state/releases/$release/spec.json")',
    `exec docker run --rm ${request.interactive ? "-i -t" : "-i"}` +
      ` --name "${request.app}-${request.stack}-run-$(date +%s)-$$"` +
      ` --network ${shellQuote(networkName(request.app, request.stack))}` +
      ' --env-file "$state/releases/$release/env"' +
      ` --label ${shellQuote(`${LABEL.app}=${request.app}`)} --label ${shellQuote(`${LABEL.stack}=${request.stack}`)}` +
      ` --label ${LABEL.role}=${ROLE.run} --label "${LABEL.release}=$release" "$image" "$@"`,
  ];
  return asRoot(script, "berth-run", request.argv);
}

export interface ExecRequest extends RunRequest {
  /** Which running container: the release's web container (default) or its first worker. */
  role: typeof ROLE.web | typeof ROLE.worker;
}

/**
 * `berth exec` (`docker exec`): runs the command inside a container that serves now, the current
 * release's web container or worker, to look at the live process (its files, memory, open
 * connections). Unlike `run`, it shares that container's process, limits and filesystem, so a
 * heavy command competes with the requests it serves.
 */
export function renderExecCommand(request: ExecRequest): string {
  assertValidIdentity(request.app, request.stack);
  if (request.argv.length === 0)
    throw new Error("exec: give the command to run, e.g. -- node --version");
  const state = stateDir(request.app, request.stack, request.stateRoot ?? STATE_ROOT);
  const filters = [
    `${LABEL.app}=${request.app}`,
    `${LABEL.stack}=${request.stack}`,
    `${LABEL.role}=${request.role}`,
  ]
    .map((label) => `--filter label=${shellQuote(label)}`)
    .join(" ");
  const script = [
    "set -eu",
    `state=${shellQuote(state)}`,
    noReleaseCheck(request),
    'release=$(cat "$state/current")',
    `container=$(docker ps ${filters} --filter "label=${LABEL.release}=$release" --format '{{.Names}}' | head -n 1)`,
    `[ -n "$container" ] || { echo "no running ${request.role} container of release $release here for ${request.app}/${request.stack}" >&2; exit 1; }`,
    `exec docker exec ${request.interactive ? "-i -t" : "-i"} "$container" "$@"`,
  ];
  return asRoot(script, "berth-exec", request.argv);
}
