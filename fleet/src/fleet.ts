import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { utils as sshUtils } from "ssh2";
import { AGENT_PATH, RegistryLogin } from "../../infra/src/agent/contract";
import { hostRunArgs, lbRunArgs, networkCreateArgs, registryRunArgs } from "./commands";
import { docker, progress } from "./exec";
import { renderHaproxyConfig, renderRegistryConfig } from "./lb-config";
import { FleetSettings, REPO_ROOT, fleetNames } from "./settings";
import { SshTarget, sshExec, waitForSsh } from "./ssh";
import { waitFor } from "./wait";

export const AGENT_SOURCE = path.join(REPO_ROOT, "infra", "host", "berth-agent");
export const LOGIN_USER = "berth";
export const REGISTRY_USER = "berth";

/** What a running fleet gives its callers: how to reach hosts, registry and LB. */
export interface Fleet {
  settings: FleetSettings;
  hosts: SshTarget[];
  /** Registry as the hosts see it (image references use this server). */
  registryServer: string;
  /** Registry as this machine sees it, for pushes. */
  registryPushServer: string;
  registryPassword: string;
  /** DOCKER_CONFIG directory holding this machine's login to the fleet registry. */
  dockerConfigDir: string;
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

/** Builds an image from fleet/images once per content: the tag carries the files' hash. */
async function ensureFleetImage(dockerfile: string, name: string): Promise<string> {
  const dir = path.join(__dirname, "..", "images");
  const hash = sha256(
    fs
      .readdirSync(dir)
      .sort()
      .map((file) => file + fs.readFileSync(path.join(dir, file), "utf8"))
      .join("\n"),
  ).slice(0, 12);
  const tag = `${name}:${hash}`;
  if (!(await exists("image", tag))) {
    progress(`building ${tag} from fleet/images/${dockerfile} (once)`);
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

async function publishedPort(container: string, port: number): Promise<number> {
  const out = (await docker(["port", container, String(port)])).stdout.trim().split("\n")[0] ?? "";
  const match = /:(\d+)$/.exec(out);
  if (!match?.[1]) throw new Error(`${container} does not publish port ${port} (got "${out}")`);
  return Number(match[1]);
}

/** True when the container runs an older build of its image (the fleet's Dockerfiles changed). */
async function outdated(name: string, image: string): Promise<boolean> {
  const have = await docker(["inspect", "--format", "{{.Image}}", name], { allowFail: true });
  if (have.code !== 0) return false;
  const want = await docker(["image", "inspect", "--format", "{{.Id}}", image]);
  return have.stdout.trim() !== want.stdout.trim();
}

async function ensureContainer(name: string, runArgs: string[], recreate = false) {
  const fleetImages = [fleetNames("x").hostImage, fleetNames("x").servicesImage];
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

async function ensureRegistry(settings: FleetSettings, password: string) {
  const names = fleetNames(settings.prefix);
  const dir = path.join(settings.stateDir, "registry");
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
  await ensureContainer(names.registry, registryRunArgs(settings.prefix, dir), changed);
}

async function ensureLb(settings: FleetSettings, healthPath: string) {
  const names = fleetNames(settings.prefix);
  const dir = path.join(settings.stateDir, "lb");
  fs.mkdirSync(dir, { recursive: true });
  const hostNames = Array.from({ length: settings.hostCount }, (_, i) => names.host(i + 1));
  const config = renderHaproxyConfig(hostNames, healthPath);
  const file = path.join(dir, "haproxy.cfg");
  const changed = !fs.existsSync(file) || fs.readFileSync(file, "utf8") !== config;
  fs.writeFileSync(file, config);
  await ensureContainer(names.lb, lbRunArgs(settings.prefix, settings.lbPort, dir), changed);
}

async function hostTarget(settings: FleetSettings, index: number, privateKey: string) {
  const name = fleetNames(settings.prefix).host(index);
  await waitFor(
    `${name}'s host key and dockerd`,
    async () => {
      const r = await docker(
        [
          "exec",
          name,
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
  // Read through the engine (a trusted channel, like EC2's console output), then pinned for SSH.
  const hostKey = (await docker(["exec", name, "cat", "/etc/ssh/ssh_host_ed25519_key.pub"])).stdout;
  const target: SshTarget = {
    name: `host-${index}`,
    host: "127.0.0.1",
    port: await publishedPort(name, 22),
    username: LOGIN_USER,
    privateKey,
    hostKey: hostKey.trim(),
  };
  // sshd starts only once the host's dockerd answers, a moment after the check above passes.
  await waitForSsh(target, { timeoutMs: 30000 });
  return target;
}

/** Lays the agent down on a host over SSH when its copy differs, as cloud-init does on AWS. */
export async function installAgent(target: SshTarget): Promise<void> {
  const source = fs.readFileSync(AGENT_SOURCE);
  const wanted = sha256(source);
  const have = await sshExec(target, `sha256sum ${AGENT_PATH} 2>/dev/null || true`);
  if (have.stdout.startsWith(wanted)) return;
  progress(`${target.name}: installing the agent at ${AGENT_PATH} (sha256 ${wanted.slice(0, 12)})`);
  const result = await sshExec(
    target,
    `sudo -n sh -c 'cat > ${AGENT_PATH}.new && chmod 0755 ${AGENT_PATH}.new && mv -f ${AGENT_PATH}.new ${AGENT_PATH}'`,
    source.toString(),
  );
  if (result.code !== 0)
    throw new Error(`${target.name}: installing the agent failed: ${result.stderr}`);
}

/** The SSH targets of a running fleet's hosts (ports are re-read: a restarted host gets a new one). */
export async function fleetHosts(settings: FleetSettings): Promise<SshTarget[]> {
  const privateKey = fs.readFileSync(path.join(settings.stateDir, "id_ed25519"), "utf8");
  const hosts: SshTarget[] = [];
  for (let i = 1; i <= settings.hostCount; i++)
    hosts.push(await hostTarget(settings, i, privateKey));
  return hosts;
}

/** Brings the fleet up (idempotent): images, key, network, registry, hosts with the agent, LB. */
export async function fleetUp(settings: FleetSettings, healthPath = "/healthz"): Promise<Fleet> {
  const names = fleetNames(settings.prefix);
  fs.mkdirSync(settings.stateDir, { recursive: true, mode: 0o700 });
  await ensureFleetImage("host.Dockerfile", "berth-fleet-host");
  await ensureFleetImage("services.Dockerfile", "berth-fleet-services");

  const keyFile = path.join(settings.stateDir, "id_ed25519");
  const privateKey = secretFile(keyFile, () => {
    progress(`generating the fleet's SSH key at ${keyFile}`);
    const pair = sshUtils.generateKeyPairSync("ed25519", {
      comment: `${settings.prefix}-deployer`,
    });
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
  await ensureRegistry(settings, registryPassword);

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

  const hosts: SshTarget[] = [];
  for (let i = 1; i <= settings.hostCount; i++) {
    await ensureContainer(names.host(i), hostRunArgs(settings.prefix, i, publicKey));
  }
  for (let i = 1; i <= settings.hostCount; i++) {
    const target = await hostTarget(settings, i, privateKey);
    await installAgent(target);
    hosts.push(target);
  }
  await ensureLb(settings, healthPath);

  const registryPushServer = `127.0.0.1:${await publishedPort(names.registry, 5000)}`;
  const dockerConfigDir = path.join(settings.stateDir, "docker-config");
  fs.mkdirSync(dockerConfigDir, { recursive: true, mode: 0o700 });
  await waitFor(
    "the registry answering",
    async () => {
      const r = await docker(
        ["login", "--username", REGISTRY_USER, "--password-stdin", registryPushServer],
        {
          input: registryPassword,
          allowFail: true,
          env: { ...process.env, DOCKER_CONFIG: dockerConfigDir },
        },
      );
      if (r.code !== 0) throw new Error(r.stderr.trim() || `exit ${r.code}`);
      return true;
    },
    { timeoutMs: 30_000, intervalMs: 500 },
  );
  progress(
    `fleet ${settings.prefix} is up: ${settings.hostCount} hosts, registry, LB on 127.0.0.1:${settings.lbPort}`,
  );
  return {
    settings,
    hosts,
    registryServer: names.registryServer,
    registryPushServer,
    registryPassword,
    dockerConfigDir,
    url: `http://127.0.0.1:${settings.lbPort}`,
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

/** The registry login the hosts get on stdin (the fleet's registry has no credential helper). */
export function registryLogin(fleet: Fleet): RegistryLogin {
  return {
    server: fleet.registryServer,
    method: "password",
    username: REGISTRY_USER,
    password: fleet.registryPassword,
  };
}
