/**
 * The Pulumi program's own `Release`, executed against the local fleet: the real program runs
 * under mocks for every AWS resource, but each `command:remote:Command` it registers is run for
 * real over SSH on the fleet host whose address the program gave it, when the engine would run it
 * (after everything it depends on). So this suite tests the commands, stdin, pinning and order that
 * `pulumi up` sends, not a copy of them. What it cannot cover: the real engine's diff and
 * replacement semantics (triggers, create-before-delete), and the provider's dial retries.
 *
 * Host keys take the AWS path as far as it goes without AWS: the program generates each host's
 * key and stores its private half in the host's SSM parameter (mocked, so the parameter's value
 * is what the mock recorded); before the first dial, each fleet host runs the real first-boot
 * installer (infra/host/install-host-key) with the parameter name and region from its own user
 * data. Where it stops: `aws ssm get-parameter` (the instance role, KMS, the endpoint) is a stand-in
 * that hands over the parameter's value through the engine, `systemctl restart sshd` is a SIGHUP
 * to the container's sshd, and cloud-init does not run (the test runs the user data's runcmd line).
 * Every command then dials with OpenSSH pinned strictly to the connection's hostKey (the provider's
 * Go client is not run here), so a command reaches a host only if it proves the pinned key.
 */
import * as assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import {
  AgentDeployInput,
  HOST_LOGIN_USER,
  parseAgentSummary,
} from "../../infra/src/agent/contract";
import { INSTALL_HOST_KEY_SOURCE, readAgentScript } from "../../infra/src/files";
import { INSTALL_HOST_KEY_PATH } from "../../infra/src/hostKeys";
import { capture } from "../../cli/src/run";
import { Endpoint, sshRunner, waitForSsh } from "../../cli/src/ssh";
import { planHosts, planRollout } from "../../infra/src/rollout/plan";
import { blockSshArgs } from "../../fleet/src/commands";
import { docker } from "../../fleet/src/exec";
import { configHashKeyOf, RegisteredSoFar, runProgram } from "../support/pulumi/runProgram";
import { serializedProvider } from "../support/pulumi/dynamicProvider";
import { underLoad } from "./support/load";
import { runCopyOnFleet } from "./support/registries";
import {
  assertNoFailedRequests,
  APP,
  SECRET,
  STACK,
  agentOutputs,
  assertAllOn,
  convergedRelease,
  ctx,
  deploy,
  figure,
  hosts,
  lbUrl,
  newRelease,
  refreshFleet,
  settings,
  specFor,
  statuses,
} from "./support/fleet";

interface Executed {
  resource: string;
  host: string;
  command: string;
  stdin: string;
}

const RELEASE_COMMAND = ["node", "-e", "console.log('migrated by the program')"];

/** Fleet hosts that have taken their generated host key (cloud-init's first boot runs once). */
const booted = new Set<string>();
/** Where each host's own keys wait while it proves the generated one. */
const SSH_BACKUP = "/etc/ssh.berth-fleet-original";

/**
 * The first boot of `host` as cloud-init runs it on AWS, as far as the fleet can: the runcmd line
 * of the host's own user data (the installer, its parameter's name and region), with the
 * parameter's value (what the program stored in SSM) handed over through the engine, as the
 * instance role hands it over on AWS.
 */
async function firstBoot(host: string, container: string, registered: RegisteredSoFar) {
  const instance = registered.find(
    (r) => r.type === "aws:ec2/instance:Instance" && r.name.endsWith(`-${host}`),
  );
  const userData = parseYaml(String(instance?.state.userData)) as { runcmd: string[][] };
  const [installer, parameterName, region] = userData.runcmd[0] ?? [];
  assert.equal(
    installer,
    INSTALL_HOST_KEY_PATH,
    `${host}: the user data does not install a host key first`,
  );
  const parameter = registered.find(
    (r) => r.type === "aws:ssm/parameter:Parameter" && r.state.name === parameterName,
  );
  const value = String(parameter?.state.value ?? "");
  assert.match(
    value,
    /^-----BEGIN OPENSSH PRIVATE KEY-----/,
    `${host}: no key in ${parameterName}`,
  );
  const exec = (script: string, input = "") =>
    docker(["exec", "-i", container, "bash", "-euo", "pipefail", "-c", script], { input });
  await exec(`[ -d ${SSH_BACKUP} ] || cp -a /etc/ssh ${SSH_BACKUP}`);
  await exec(
    `install -m 0755 /dev/stdin ${INSTALL_HOST_KEY_PATH}`,
    readFileSync(INSTALL_HOST_KEY_SOURCE, "utf8"),
  );
  await exec(
    [
      "umask 077",
      "mkdir -p /run/berth-first-boot/bin",
      "cat >/run/berth-first-boot/value",
      // The stand-in for the AWS CLI answers only the call the installer must make.
      `printf '%s\n' '#!/usr/bin/env bash' '[ "$*" = "ssm get-parameter --region ${region} --name ${parameterName} --with-decryption --query Parameter.Value --output text" ] || { echo "unexpected: aws $*" >&2; exit 2; }' 'cat /run/berth-first-boot/value' >/run/berth-first-boot/bin/aws`,
      // sshd is the container's PID 1: SIGHUP makes it re-execute with the new key.
      "printf '%s\n' '#!/usr/bin/env bash' 'kill -HUP 1' >/run/berth-first-boot/bin/systemctl",
      "chmod 0755 /run/berth-first-boot/bin/aws /run/berth-first-boot/bin/systemctl",
    ].join(" && "),
    value,
  );
  // Parameter names and regions are [A-Za-z0-9_./-] only (config and preflight check them).
  const result = await exec(
    `PATH=/run/berth-first-boot/bin:$PATH ${INSTALL_HOST_KEY_PATH} '${parameterName}' '${region}'; rm -rf /run/berth-first-boot`,
  );
  assert.match(result.stdout, /sshd now proves 256 SHA256:/);
  booted.add(host);
}

/** Gives every fleet host its own host keys back, so the rest of the suite finds them as it left them. */
async function restoreFleetHostKeys() {
  for (const host of ctx().fleet.hosts) {
    await docker([
      "exec",
      host.container,
      "sh",
      "-c",
      `if [ -d ${SSH_BACKUP} ]; then rm -rf /etc/ssh && mv ${SSH_BACKUP} /etc/ssh && kill -HUP 1; fi`,
    ]);
  }
  booted.clear();
  await refreshFleet();
}

/** Runs commands on a host over SSH, accepting only `hostKey` (the connection's pin). */
function pinnedRunner(endpoint: Endpoint, hostKey: string) {
  const dir = mkdtempSync(path.join(tmpdir(), "berth-pinned-"));
  const knownHostsFile = path.join(dir, "known_hosts");
  writeFileSync(knownHostsFile, `[${endpoint.address}]:${endpoint.port} ${hostKey}\n`, {
    mode: 0o600,
  });
  return sshRunner(
    { identityFile: ctx().fleet.identityFile, knownHostsFile, strictHostKeyChecking: "yes" },
    capture,
  );
}

/**
 * Runs the program for the fleet's app and stack, executing its remote commands on the fleet.
 * With `proveLogins`, each host's SshReady runs too: its serialized provider, as the engine would
 * run it, logs in to the fleet host (after its first boot) with the program's pins.
 */
async function runProgramOnFleet(image: string, { proveLogins = false } = {}) {
  const fleet = ctx().fleet;
  const executed: Executed[] = [];
  /** The hosts whose login was proven, in order, and how many commands had run on each by then. */
  const proven: { host: string; commandsBefore: number }[] = [];
  const privateKey = readFileSync(fleet.identityFile, "utf8");

  const proveLogin = async (
    _type: string,
    name: string,
    inputs: Record<string, unknown>,
    registered: RegisteredSoFar,
  ) => {
    const target = inputs.host as { name: string; address: string; hostKey: string };
    const instance = registered.find(
      (r) => r.type === "aws:ec2/instance:Instance" && r.name.endsWith(`-${target.name}`),
    );
    assert.ok(
      instance && [instance.state.publicIp, instance.state.privateIp].includes(target.address),
      `${name}: ${target.address} is not ${target.name}'s address`,
    );
    const endpoint = hosts().find((h) => h.name === target.name);
    const container = fleet.hosts.find((h) => h.name === target.name)?.container;
    if (!endpoint || !container) throw new Error(`${name}: no fleet host ${target.name}`);
    if (!booted.has(target.name)) await firstBoot(target.name, container, registered);
    const provider = serializedProvider(inputs);
    const onFleet = {
      ...inputs,
      host: { ...target, address: endpoint.address, port: endpoint.port },
    };
    const { outs } = await provider.create(onFleet);
    proven.push({
      host: target.name,
      commandsBefore: executed.filter((e) => e.host === target.name).length,
    });
    return outs as Record<string, unknown>;
  };

  const execute = async (
    resource: string,
    inputs: Record<string, unknown>,
    registered: RegisteredSoFar,
  ) => {
    const connection = inputs.connection as Record<string, unknown>;
    // The instance the program gave this address: its logical name ends in the host's name.
    const instance = registered.find(
      (r) =>
        r.type === "aws:ec2/instance:Instance" &&
        (r.state.publicIp === connection.host || r.state.privateIp === connection.host),
    );
    const host = /host-\d+$/.exec(instance?.name ?? "")?.[0];
    const endpoint = hosts().find((h) => h.name === host);
    if (!host || !endpoint) throw new Error(`${resource}: no fleet host at ${connection.host}`);
    // The connection is pinned to the key the program generated for this host; the host takes that
    // key at its first boot, and the dial accepts nothing else.
    const hostKey = String(connection.hostKey ?? "");
    if (!/^ssh-ed25519 \S+$/.test(hostKey))
      throw new Error(`${resource}: not pinned (${connection.hostKey})`);
    if (connection.user !== HOST_LOGIN_USER)
      throw new Error(`${resource}: user ${connection.user}`);
    if (connection.privateKey !== privateKey) throw new Error(`${resource}: not the fleet's key`);
    const container = fleet.hosts.find((h) => h.name === host)?.container as string;
    const pinned = pinnedRunner(endpoint, hostKey);
    if (!booted.has(host)) {
      await firstBoot(host, container, registered);
      // sshd re-executes with the new key; like the provider's dial, wait until it answers.
      await waitForSsh(endpoint, pinned);
    }
    const command = String(inputs.create);
    const stdin = String(inputs.stdin ?? "");
    executed.push({ resource, host, command, stdin });
    const r = await pinned(endpoint, command, stdin);
    agentOutputs.push(r.stdout, r.stderr);
    if (r.code !== 0)
      throw new Error(`${resource} on ${host}: process exited with status ${r.code}: ${r.stderr}`);
    return { stdout: r.stdout, stderr: r.stderr };
  };

  const run = runProgram({
    stack: STACK,
    configFrom: "staging",
    configOverrides: {
      "berth:app": APP,
      "berth:hosts": { count: hosts().length, instanceType: "t3.small", rootVolumeGiB: 20 },
      "berth:ssh": {
        allowedCidrs: ["203.0.113.10/32"],
        publicKey: readFileSync(`${fleet.identityFile}.pub`, "utf8").trim(),
      },
      "berth:web": { port: 3000, healthPath: settings.healthPath, command: null },
      "berth:worker": { command: ["node", "dist/worker.js"], count: 1 },
      "berth:release": {
        batchSize: 1,
        healthSeconds: 20,
        drainSeconds: 2,
        stopSeconds: 10,
        keepReleases: 3,
        command: RELEASE_COMMAND,
        digest: image,
        proxyDigest: ctx().proxy,
      },
      "berth:env": { SHUTDOWN_TIMEOUT_MS: "8000", SHUTDOWN_DRAIN_DELAY_MS: "1000" },
    },
    secretConfig: {
      "berth:sshPrivateKey": privateKey,
      "berth:secretEnv": { BERTH_TEST_SECRET: SECRET },
    },
    executeRemoteCommand: execute,
    executeDynamicResource: proveLogins
      ? { types: ["pulumi-nodejs:dynamic:SshReady"], run: proveLogin }
      : undefined,
    // The stack's repositories are the fleet's prod registry; the program's image copies run
    // for real (infra/tools/copy-image), from the build registry into it.
    registryServer: fleet.prodRegistry.server,
    executeLocalCommand: async (_name, inputs) => ({
      stdout: (await runCopyOnFleet(inputs.environment as Record<string, string>)).stdout,
      stderr: "",
    }),
  });
  return { run, executed, proven };
}

/** Where the program puts a release of the fleet's app: its repository in the prod registry. */
const inProd = (image: string) =>
  `${ctx().fleet.prodRegistry.server}/${APP}-${STACK}-app@${image.split("@")[1]}`;

describe("fleet: the Pulumi program's own Release, executed over SSH", () => {
  before(async () => {
    await convergedRelease("program-base");
  });
  after(async () => {
    await restoreFleetHostKeys();
  });

  it("rolls a new digest over the fleet in the engine's order, under load, with 0 failed requests", async () => {
    const image = await newRelease("program");
    const { result, load } = await underLoad(lbUrl("/"), async () => {
      const { run, executed, proven } = await runProgramOnFleet(image, { proveLogins: true });
      return { program: await run, executed, proven };
    });
    figure("program rollout requests", load);
    assert.ok(load.sent > 100, `too little load to prove anything (${load.sent} requests)`);
    await assertNoFailedRequests(load, "during the rollout");
    const { program, executed, proven } = result;
    // Each host's login was proven (its SshReady's own provider code, over real OpenSSH, with the
    // program's pins) before any command reached it.
    assert.deepEqual(
      proven.map((p) => p.host).sort(),
      hosts().map((h) => h.name),
    );
    assert.ok(
      proven.every((p) => p.commandsBefore === 0),
      `a command ran before its host's login was proven: ${JSON.stringify(proven)}`,
    );
    // The hosts now prove their generated keys: the suite's own SSH (status checks) learns them.
    await refreshFleet();

    // Exactly the plan: install then deploy on each host, one host after another (a release
    // command sends the first host alone), each with the plan's command and stdin, byte for byte.
    const input = JSON.parse(executed[1]!.stdin) as AgentDeployInput;
    const plan = planRollout({
      hosts: hosts().map((h) => h.name),
      spec: input.spec,
      registry: input.registry,
      agent: readAgentScript(),
      batchSize: 1,
      configHashKey: configHashKeyOf(program),
    });
    const expected = planHosts(plan).flatMap((h) => [
      { host: h.host, command: h.install.command, stdin: h.install.stdin },
      { host: h.host, command: h.deploy.command, stdin: h.deploy.stdin },
    ]);
    assert.deepEqual(
      executed.map(({ host, command, stdin }) => ({ host, command, stdin })),
      expected,
    );
    // The hosts pull the stack's own copy (same digest) from its own registry.
    const copy = inProd(image);
    assert.deepEqual(input.registry, { server: ctx().fleet.prodRegistry.server, method: "helper" });
    assert.equal(input.spec.image, copy);

    // The release command ran once, on the first host; the agent reported every host deployed.
    const releases = program.outputs.releases as Record<string, unknown>;
    for (const [i, host] of hosts().entries()) {
      const summary = releases[host.name] as { outcome: string; image: string };
      assert.equal(summary.outcome, "deployed", `${host.name}: ${JSON.stringify(summary)}`);
      assert.equal(summary.image, copy);
      const stderr = agentOutputs.find((o) => o.includes(`migrated by the program`));
      if (i === 0) assert.ok(stderr, "the release command did not run on host-1");
    }
    await assertAllOn(copy);
  });

  it("a host that fails stops the program's rollout: later batches are never touched", async () => {
    const current = (await statuses())[0]!.image;
    await assertAllOn(current);
    const image = await newRelease("program-unreachable");
    await docker(blockSshArgs(settings.prefix, 2, true));
    try {
      const { run, executed } = await runProgramOnFleet(image);
      await assert.rejects(run, /on host-2: process exited with status 255/);
      assert.deepEqual(
        [...new Set(executed.map((e) => e.host))],
        ["host-1", "host-2"],
        "host-3 was touched after host-2 failed",
      );
      const deployed = executed.find((e) => e.host === "host-1" && e.command.includes(" deploy "));
      assert.ok(deployed, "host-1 was not deployed");
    } finally {
      await docker(blockSshArgs(settings.prefix, 2, false));
      await refreshFleet();
    }
    const after = await statuses();
    assert.equal(after[0]!.image, inProd(image));
    assert.equal(after[1]!.image, current);
    assert.equal(after[2]!.image, current);
    assert.ok(after.every((s) => s.healthy));
    // Converge again for whatever runs next.
    const restore = await deploy(specFor(inProd(image)));
    assert.equal(restore.ok, true, restore.error ?? "");
    assert.equal(parseAgentSummary(restore.results[1]!.stdout)?.outcome, "deployed");
  });
});
