import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fleetNames, fleetSettings } from "../../fleet/src/settings";
import { localReleaseSpec } from "../../fleet/src/spec";
import { CliError } from "./pulumi";
import { Endpoint } from "./ssh";
import { LOCAL_STACK, Target } from "./targets";

/** The app and stack names the local fleet deploys under: from its own release spec. */
const LOCAL_SPEC = localReleaseSpec({ app: "", proxy: "" });

function docker(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync("docker", args, { encoding: "utf8" });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT")
    throw new CliError(
      "docker is not installed, and the local fleet runs in it: run npm start first",
    );
  return { status: result.status, stdout: result.stdout ?? "", stderr: result.stderr ?? "" };
}

/** `127.0.0.1:49153` (from `docker port NAME 22`) -> its port. */
export function parsePublishedPort(text: string): number | undefined {
  for (const line of text.split("\n")) {
    const match = /^(?:127\.0\.0\.1|0\.0\.0\.0):(\d+)$/.exec(line.trim());
    if (match?.[1]) return Number(match[1]);
  }
  return undefined;
}

/** known_hosts lines for hosts published on 127.0.0.1 under non-standard ports. */
export function knownHostsLines(entries: { port: number; publicKey: string }[]): string {
  return entries
    .map(
      ({ port, publicKey }) =>
        `[127.0.0.1]:${port} ${publicKey.trim().split(/\s+/).slice(0, 2).join(" ")}`,
    )
    .join("\n")
    .concat("\n");
}

/**
 * The local fleet (`npm start`) as a target: its host containers, their SSH ports on 127.0.0.1,
 * the fleet's key, and a known_hosts file built from each host's own key (read through docker,
 * a channel the operator already trusts), so host keys are checked strictly.
 */
export function localTarget(options: { prefix?: string; stateDir?: string } = {}): Target {
  const settings = fleetSettings({ prefix: options.prefix, stateDir: options.stateDir });
  const names = fleetNames(settings.prefix);
  const listed = docker([
    "ps",
    "--filter",
    `label=berth.fleet=${settings.prefix}`,
    "--filter",
    "status=running",
    "--format",
    "{{.Names}}",
  ]);
  const hostNames = listed.stdout
    .split("\n")
    .filter((name) => new RegExp(`^${settings.prefix}-host-\\d+$`).test(name))
    .sort((a, b) => Number(a.split("-").pop()) - Number(b.split("-").pop()));
  if (listed.status !== 0 || hostNames.length === 0)
    throw new CliError(
      `the local fleet "${settings.prefix}" is not running (no host containers): start it with npm start`,
    );
  const identityFile = join(settings.stateDir, "id_ed25519");
  if (!existsSync(identityFile))
    throw new CliError(
      `the local fleet's SSH key ${identityFile} is missing: run npm start again to recreate it`,
    );

  const keys: { port: number; publicKey: string }[] = [];
  const hosts: Endpoint[] = hostNames.map((container) => {
    const index = Number(container.split("-").pop());
    const port = parsePublishedPort(docker(["port", container, "22"]).stdout);
    if (port === undefined)
      throw new CliError(`fleet host ${container} publishes no SSH port: run npm start again`);
    const publicKey = docker([
      "exec",
      container,
      "cat",
      "/etc/ssh/ssh_host_ed25519_key.pub",
    ]).stdout;
    if (!publicKey.trim())
      throw new CliError(
        `fleet host ${container} has no SSH host key yet: wait a second and retry`,
      );
    keys.push({ port, publicKey });
    return {
      name: names.host(index).slice(settings.prefix.length + 1),
      address: "127.0.0.1",
      port,
      user: "berth",
    };
  });
  mkdirSync(settings.stateDir, { recursive: true });
  const knownHostsFile = join(settings.stateDir, "cli_known_hosts");
  writeFileSync(knownHostsFile, knownHostsLines(keys), { mode: 0o600 });
  return {
    stack: LOCAL_STACK,
    kind: "local",
    app: LOCAL_SPEC.app,
    agentStack: LOCAL_SPEC.stack,
    hosts,
    url: `http://127.0.0.1:${settings.lbPort}`,
    access: { identityFile, knownHostsFile, strictHostKeyChecking: "yes" },
  };
}
