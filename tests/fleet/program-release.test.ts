/**
 * The Pulumi program's own `Release`, executed against the local fleet: the real program runs
 * under mocks for every AWS resource, but each `command:remote:Command` it registers is run for
 * real over SSH on the fleet host whose address the program gave it, when the engine would run it
 * (after everything it depends on). So this suite tests the commands, stdin, pinning and order that
 * `pulumi up` sends, not a copy of them. What it cannot cover: the real engine's diff and
 * replacement semantics (triggers, create-before-delete), and the provider's dial retries.
 */
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  AgentDeployInput,
  HOST_LOGIN_USER,
  parseAgentSummary,
} from "../../infra/src/agent/contract";
import { readAgentScript } from "../../infra/src/files";
import { planHosts, planRollout } from "../../infra/src/rollout/plan";
import { blockSshArgs } from "../../fleet/src/commands";
import { docker } from "../../fleet/src/exec";
import { RegisteredSoFar, runProgram } from "../support/pulumi/runProgram";
import { underLoad } from "./support/load";
import { runCopyOnFleet } from "./support/registries";
import {
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
  runner,
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

/** Runs the program for the fleet's app and stack, executing its remote commands on the fleet. */
async function runProgramOnFleet(image: string) {
  const fleet = ctx().fleet;
  const executed: Executed[] = [];
  const hostKeys = Object.fromEntries(fleet.hosts.map((h) => [h.name, h.hostKey]));
  const privateKey = readFileSync(fleet.identityFile, "utf8");

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
    // The connection must be pinned to the host's real key, as the user and key the fleet knows.
    if (connection.hostKey !== hostKeys[host])
      throw new Error(`${resource}: not pinned to ${host}'s host key (${connection.hostKey})`);
    if (connection.user !== HOST_LOGIN_USER)
      throw new Error(`${resource}: user ${connection.user}`);
    if (connection.privateKey !== privateKey) throw new Error(`${resource}: not the fleet's key`);
    const command = String(inputs.create);
    const stdin = String(inputs.stdin ?? "");
    executed.push({ resource, host, command, stdin });
    const r = await runner()(endpoint, command, stdin);
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
        hostKeys,
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
    // The stack's repositories are the fleet's prod registry; the program's image copies run
    // for real (infra/tools/copy-image), from the build registry into it.
    registryServer: fleet.prodRegistry.server,
    executeLocalCommand: async (_name, inputs) => ({
      stdout: (await runCopyOnFleet(inputs.environment as Record<string, string>)).stdout,
      stderr: "",
    }),
  });
  return { run, executed };
}

/** Where the program puts a release of the fleet's app: its repository in the prod registry. */
const inProd = (image: string) =>
  `${ctx().fleet.prodRegistry.server}/${APP}-${STACK}-app@${image.split("@")[1]}`;

describe("fleet: the Pulumi program's own Release, executed over SSH", () => {
  before(async () => {
    await convergedRelease("program-base");
  });

  it("rolls a new digest over the fleet in the engine's order, under load, with 0 failed requests", async () => {
    const image = await newRelease("program");
    const { result, load } = await underLoad(lbUrl("/"), async () => {
      const { run, executed } = await runProgramOnFleet(image);
      return { program: await run, executed };
    });
    figure("program rollout requests", load);
    assert.ok(load.sent > 100, `too little load to prove anything (${load.sent} requests)`);
    assert.equal(load.errors + load.timeouts + load.non2xx, 0, "requests failed");
    const { program, executed } = result;

    // Exactly the plan: install then deploy on each host, one host after another (a release
    // command sends the first host alone), each with the plan's command and stdin, byte for byte.
    const input = JSON.parse(executed[1]!.stdin) as AgentDeployInput;
    const plan = planRollout({
      hosts: hosts().map((h) => h.name),
      spec: input.spec,
      registry: input.registry,
      agent: readAgentScript(),
      batchSize: 1,
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
