import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { ed25519KeyPair } from "./ssh-key-pair";
import {
  hostRunArgs,
  lbRunArgs,
  networkCreateArgs,
  postgresRunArgs,
  registryRunArgs,
} from "./commands";
import { docker, dockerSync, progress } from "./exec";
import { renderHaproxyConfig, renderRegistryConfig } from "./lb-config";
import {
  FleetDatabase,
  connectDatabase,
  ensurePostgresPassword,
  postgresPasswordFile,
  waitForPostgres,
} from "./postgres";
import { FleetSettings, fleetNames } from "./settings";
import { waitFor } from "./wait";

export const REGISTRY_USER = "berth";

/** One simulated host as the operator reaches it: SSH on a 127.0.0.1 port, its pinned host key. */
export interface FleetHost {
  /** host-1, host-2, ...: the same names the AWS program gives its hosts. */
  name: string;
  /** The host's container. */
  container: string;
  /** SSH's published port on 127.0.0.1 (a restarted host gets a new one). */
  port: number;
  /** The host's ed25519 public key line, read through the engine (a channel already trusted). */
  hostKey: string;
}

/** What a running fleet gives its callers: how to reach hosts, registry and LB. */
export interface Fleet {
  settings: FleetSettings;
  hosts: FleetHost[];
  /** The deployer's SSH private key file (its public half is every host's authorized key). */
  identityFile: string;
  /** Registry as the hosts see it (image references use this server). */
  registryServer: string;
  /** Registry as this machine sees it, for pushes. */
  registryPushServer: string;
  registryPassword: string;
  /** DOCKER_CONFIG directory holding this machine's login to the fleet registry. */
  dockerConfigDir: string;
  /**
   * The second registry, standing in for a prod stack's own repositories (the first one plays
   * staging's): as the hosts see it, as this machine reaches it, and its own password.
   */
  prodRegistry: { server: string; pushServer: string; password: string };
  /** The fleet's PostgreSQL (RDS's stand-in); null for a fleet started before it had one. */
  database: FleetDatabase | null;
  url: string;
}

const sha256 = (text: string | Buffer) => createHash("sha256").update(text).digest("hex");

async function exists(kind: "container" | "network" | "image", name: string): Promise<boolean> {
  const result = await docker([kind, "inspect", name], { allowFail: true });
  return result.code === 0;
}

async function isRunning(name: string): Promise<boolean> {
  const result = await docker(["inspect", "--format", "{{.State.Running}}", name], {
    allowFail: true,
  });
  return result.stdout.trim() === "true";
}

/** Builds an image from a fleet directory once per content: the tag carries the files' hash. */
async function ensureFleetImage(
  dockerfile: string,
  name: string,
  dir = path.join(__dirname, "..", "images"),
): Promise<string> {
  const hash = sha256(
    fs
      .readdirSync(dir)
      .sort()
      .map((file) => file + fs.readFileSync(path.join(dir, file), "utf8"))
      .join("\n"),
  ).slice(0, 12);
  const tag = `${name}:${hash}`;
  if (!(await exists("image", tag))) {
    progress(`building ${tag} from fleet/${path.basename(dir)}/${dockerfile} (once)`);
    await docker(["build", "--quiet", "--tag", tag, "--file", path.join(dir, dockerfile), dir]);
  }
  await docker(["tag", tag, `${name}:latest`]);
  return tag;
}

function secretFile(file: string, make: () => string): string {
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, make(), { mode: 0o600 });
  }
  return fs.readFileSync(file, "utf8");
}

/** The host port `docker port NAME PORT` printed (`127.0.0.1:49153`), or undefined. */
export function parsePublishedPort(text: string): number | undefined {
  for (const line of text.split("\n")) {
    const match = /^(?:127\.0\.0\.1|0\.0\.0\.0):(\d+)$/.exec(line.trim());
    if (match?.[1]) return Number(match[1]);
  }
  return undefined;
}

/** The 127.0.0.1 port a fleet container publishes `port` on; throws, naming both, when none. */
function publishedPort(container: string, port: number): number {
  const out = dockerSync(["port", container, String(port)]).stdout;
  const published = parsePublishedPort(out);
  if (published === undefined)
    throw new Error(
      `${container} does not publish port ${port} (got "${out.trim()}"): run npm start again`,
    );
  return published;
}

/** True when the container runs an older build of its image (the fleet's Dockerfiles changed). */
async function outdated(name: string, image: string): Promise<boolean> {
  const have = await docker(["inspect", "--format", "{{.Image}}", name], { allowFail: true });
  if (have.code !== 0) return false;
  const want = await docker(["image", "inspect", "--format", "{{.Id}}", image]);
  return have.stdout.trim() !== want.stdout.trim();
}

async function ensureContainer(name: string, runArgs: string[], recreate = false) {
  const { hostImage, servicesImage, postgresImage } = fleetNames("x");
  const fleetImages = [hostImage, servicesImage, postgresImage];
  const image = runArgs.find((a) => fleetImages.includes(a));
  if (!recreate && image && (await outdated(name, image))) {
    progress(`${name} runs an older ${image}: recreating it (its volumes stay)`);
    recreate = true;
  }
  if (recreate && (await exists("container", name))) {
    await docker(["rm", "--force", name]);
  }
  if (!(await exists("container", name))) {
    progress(`starting ${name}`);
    await docker(runArgs);
  } else if (!(await isRunning(name))) {
    progress(`starting stopped ${name}`);
    await docker(["start", name]);
  }
}

async function ensureRegistry(
  settings: FleetSettings,
  password: string,
  which: "build" | "prod" = "build",
) {
  const names = fleetNames(settings.prefix);
  const dir = path.join(settings.stateDir, which === "prod" ? "prod-registry" : "registry");
  fs.mkdirSync(dir, { recursive: true });
  const config = renderRegistryConfig();
  const htpasswdFile = path.join(dir, "htpasswd");
  if (!fs.existsSync(htpasswdFile)) {
    const line = await docker(
      ["run", "--rm", "-i", names.servicesImage, "htpasswd", "-iBn", REGISTRY_USER],
      { input: password },
    );
    fs.writeFileSync(htpasswdFile, line.stdout.trim() + "\n", { mode: 0o644 });
  }
  const changed = fs.existsSync(path.join(dir, "config.yml"))
    ? fs.readFileSync(path.join(dir, "config.yml"), "utf8") !== config
    : true;
  fs.writeFileSync(path.join(dir, "config.yml"), config);
  await ensureContainer(
    which === "prod" ? names.prodRegistry : names.registry,
    registryRunArgs(settings.prefix, dir, which),
    changed,
  );
}

async function ensureLb(settings: FleetSettings) {
  const names = fleetNames(settings.prefix);
  const dir = path.join(settings.stateDir, "lb");
  fs.mkdirSync(dir, { recursive: true });
  const hostNames = Array.from({ length: settings.hostCount }, (_, i) => names.host(i + 1));
  const config = renderHaproxyConfig(hostNames, settings.healthPath);
  const file = path.join(dir, "haproxy.cfg");
  const changed = !fs.existsSync(file) || fs.readFileSync(file, "utf8") !== config;
  fs.writeFileSync(file, config);
  await ensureContainer(names.lb, lbRunArgs(settings.prefix, settings.lbPort, dir), changed);
}

/** Waits until a host's dockerd answers and its SSH host key exists; sshd starts right after. */
async function waitForHostBoot(container: string): Promise<void> {
  await waitFor(
    `${container}'s host key and dockerd`,
    async () => {
      const r = await docker(
        [
          "exec",
          container,
          "sh",
          "-c",
          "test -s /etc/ssh/ssh_host_ed25519_key.pub && docker info >/dev/null",
        ],
        { allowFail: true },
      );
      if (r.code !== 0) throw new Error(r.stderr.trim() || `exit ${r.code}`);
      return true;
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
}

/**
 * The running hosts of a fleet, found by their label, in host order, with their SSH port and host
 * key. Whether sshd already answers is for the caller to wait for (the CLI does, as the Pulumi
 * provider retries its dial on AWS). The one host discovery: `fleet up` and the CLI use it.
 */
export function discoverHosts(prefix: string): FleetHost[] {
  const listed = dockerSync([
    "ps",
    "--filter",
    `label=berth.fleet=${prefix}`,
    "--filter",
    "status=running",
    "--format",
    "{{.Names}}",
  ]);
  const containers = listed.stdout
    .split("\n")
    .filter((name) => new RegExp(`^${prefix}-host-\\d+$`).test(name))
    .sort((a, b) => Number(a.split("-").pop()) - Number(b.split("-").pop()));
  return containers.map((container) => {
    const hostKey = dockerSync(["exec", container, "cat", "/etc/ssh/ssh_host_ed25519_key.pub"])
      .stdout.trim()
      .split(/\s+/)
      .slice(0, 2)
      .join(" ");
    if (!hostKey) throw new Error(`${container} has no SSH host key yet: wait a second and retry`);
    return {
      name: `host-${container.split("-").pop()}`,
      container,
      port: publishedPort(container, 22),
      hostKey,
    };
  });
}

/**
 * Hands a host the registries' credentials for its credential helper, through the engine, as an
 * instance role does on AWS: nothing about the registry travels with a deploy.
 */
async function writeRegistryCredentials(
  container: string,
  logins: { server: string; password: string }[],
) {
  const credentials = JSON.stringify(
    logins.map((l) => ({ ServerURL: l.server, Username: REGISTRY_USER, Secret: l.password })),
  );
  await docker(
    [
      "exec",
      "-i",
      container,
      "sh",
      "-c",
      "umask 077 && mkdir -p /etc/berth && cat >/etc/berth/registry-credentials.json",
    ],
    { input: credentials },
  );
}

/** Brings the fleet up (idempotent): images, key, network, registry, hosts, LB. No agent: deploys bring it. */
export async function fleetUp(settings: FleetSettings): Promise<Fleet> {
  const names = fleetNames(settings.prefix);
  fs.mkdirSync(settings.stateDir, { recursive: true, mode: 0o700 });
  await ensureFleetImage("host.Dockerfile", "berth-fleet-host");
  await ensureFleetImage("services.Dockerfile", "berth-fleet-services");
  await ensureFleetImage(
    "postgres.Dockerfile",
    "berth-fleet-postgres",
    path.join(__dirname, "..", "postgres"),
  );

  const keyFile = path.join(settings.stateDir, "id_ed25519");
  secretFile(keyFile, () => {
    progress(`generating the fleet's SSH key at ${keyFile}`);
    const pair = ed25519KeyPair(`${settings.prefix}-deployer`);
    fs.writeFileSync(`${keyFile}.pub`, pair.public + "\n");
    return pair.private;
  });
  const publicKey = fs.readFileSync(`${keyFile}.pub`, "utf8").trim();
  const registryPassword = secretFile(path.join(settings.stateDir, "registry-password"), () =>
    randomBytes(18).toString("base64url"),
  );

  if (!(await exists("network", names.network))) {
    progress(`creating network ${names.network}`);
    await docker(networkCreateArgs(settings.prefix));
  }
  const prodRegistryPassword = secretFile(
    path.join(settings.stateDir, "prod-registry-password"),
    () => randomBytes(18).toString("base64url"),
  );
  // The database boots while the hosts do; it is waited for at the end.
  ensurePostgresPassword(settings);
  await ensureContainer(
    names.postgres,
    postgresRunArgs(settings.prefix, postgresPasswordFile(settings)),
  );
  await ensureRegistry(settings, registryPassword);
  await ensureRegistry(settings, prodRegistryPassword, "prod");

  const stale = (
    await docker([
      "ps",
      "-a",
      "--filter",
      `label=berth.fleet=${settings.prefix}`,
      "--format",
      "{{.Names}}",
    ])
  ).stdout
    .split("\n")
    .filter((n) => {
      const m = new RegExp(`^${settings.prefix}-host-(\\d+)$`).exec(n);
      return m && Number(m[1]) > settings.hostCount;
    });
  for (const name of stale) {
    progress(`removing ${name} (the fleet now has ${settings.hostCount} hosts)`);
    await docker(["rm", "--force", "--volumes", name]);
    await docker(["volume", "rm", `${name}-docker`], { allowFail: true });
  }

  for (let i = 1; i <= settings.hostCount; i++) {
    await ensureContainer(names.host(i), hostRunArgs(settings.prefix, i, publicKey));
  }
  for (let i = 1; i <= settings.hostCount; i++) {
    await waitForHostBoot(names.host(i));
    await writeRegistryCredentials(names.host(i), [
      { server: names.registryServer, password: registryPassword },
      { server: names.prodRegistryServer, password: prodRegistryPassword },
    ]);
  }
  await ensureLb(settings);

  const registryPushServer = `127.0.0.1:${publishedPort(names.registry, 5000)}`;
  const prodPushServer = `127.0.0.1:${publishedPort(names.prodRegistry, 5000)}`;
  fs.writeFileSync(path.join(settings.stateDir, "lb-port"), `${settings.lbPort}\n`);
  const dockerConfigDir = path.join(settings.stateDir, "docker-config");
  fs.mkdirSync(dockerConfigDir, { recursive: true, mode: 0o700 });
  for (const [server, password] of [
    [registryPushServer, registryPassword],
    [prodPushServer, prodRegistryPassword],
  ] as const)
    await waitFor(
      `the registry at ${server} answering`,
      async () => {
        const r = await docker(["login", "--username", REGISTRY_USER, "--password-stdin", server], {
          input: password,
          allowFail: true,
          env: { ...process.env, DOCKER_CONFIG: dockerConfigDir },
        });
        if (r.code !== 0) throw new Error(r.stderr.trim() || `exit ${r.code}`);
        return true;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
  await waitForPostgres(settings.prefix);
  progress(
    `fleet ${settings.prefix} is up: ${settings.hostCount} hosts, registry, PostgreSQL, LB on 127.0.0.1:${settings.lbPort}`,
  );
  return connectFleet(settings);
}

/**
 * A running fleet as its callers see it (hosts, registry, LB), read without changing anything.
 * Throws, saying how to start it, when it is not running.
 */
export function connectFleet(settings: FleetSettings): Fleet {
  const names = fleetNames(settings.prefix);
  const hosts = discoverHosts(settings.prefix);
  const identityFile = path.join(settings.stateDir, "id_ed25519");
  const passwordFile = path.join(settings.stateDir, "registry-password");
  const lbPortFile = path.join(settings.stateDir, "lb-port");
  if (hosts.length === 0 || !fs.existsSync(identityFile) || !fs.existsSync(passwordFile))
    throw new Error(
      `the local fleet "${settings.prefix}" is not running (no host containers, or its key under ${settings.stateDir} is gone): start it with npm start`,
    );
  const registryPort = publishedPort(names.registry, 5000);
  const prodPasswordFile = path.join(settings.stateDir, "prod-registry-password");
  return {
    settings,
    hosts,
    identityFile,
    registryServer: names.registryServer,
    registryPushServer: `127.0.0.1:${registryPort}`,
    registryPassword: fs.readFileSync(passwordFile, "utf8"),
    dockerConfigDir: path.join(settings.stateDir, "docker-config"),
    prodRegistry: {
      server: names.prodRegistryServer,
      pushServer: `127.0.0.1:${publishedPort(names.prodRegistry, 5000)}`,
      password: fs.existsSync(prodPasswordFile) ? fs.readFileSync(prodPasswordFile, "utf8") : "",
    },
    database: connectDatabase(settings),
    // The port the last `up` published the LB on (tests pick a free one).
    url: `http://127.0.0.1:${fs.existsSync(lbPortFile) ? fs.readFileSync(lbPortFile, "utf8").trim() : settings.lbPort}`,
  };
}

/** Removes every container, network and volume the fleet made (idempotent). */
export async function fleetDown(settings: FleetSettings): Promise<void> {
  const names = fleetNames(settings.prefix);
  const containers = (
    await docker(["ps", "-aq", "--filter", `label=berth.fleet=${settings.prefix}`])
  ).stdout
    .split("\n")
    .filter(Boolean);
  if (containers.length > 0) {
    progress(`removing ${containers.length} fleet containers`);
    await docker(["rm", "--force", "--volumes", ...containers]);
  }
  const volumes = (
    await docker(["volume", "ls", "-q", "--filter", `name=^${settings.prefix}-`])
  ).stdout
    .split("\n")
    .filter(Boolean);
  if (volumes.length > 0) {
    progress(`removing volumes ${volumes.join(", ")}`);
    await docker(["volume", "rm", ...volumes], { allowFail: true });
  }
  if (await exists("network", names.network)) {
    progress(`removing network ${names.network}`);
    await docker(["network", "rm", names.network]);
  }
  progress(`fleet ${settings.prefix} is down`);
}
