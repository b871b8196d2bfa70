/**
 * One plan, two executors: the rollout plan (infra/src/rollout/plan.ts) decides order, flags and
 * stdin; the Pulumi program's `Release` registers exactly it, and the CLI's executor runs exactly
 * it. Each side is compared with the plan byte for byte, so a flag, a stdin byte or an order that
 * either side decides on its own fails here.
 */
import assert from "node:assert/strict";
import { AgentDeployInput, ReleaseSpec } from "../../infra/src/agent/contract";
import { readAgentScript } from "../../infra/src/files";
import { planHosts, planRollout, RolloutInput, rolloutOrder } from "../../infra/src/rollout/plan";
import { executePlan } from "../../cli/src/rollout";
import { Endpoint, HostRunner } from "../../cli/src/ssh";
import {
  configHashKeyOf,
  ProgramRun,
  RegisteredResource,
  runProgram,
} from "../support/pulumi/runProgram";
import { RELEASE_GUARD_DEFAULTS } from "../../infra/src/agent/specSchema";

/** A config hash key (the program makes one per stack; the tests use a fixed one). */
const KEY = "0123456789abcdef".repeat(4);

const IMAGE = `registry.local:5000/shop@sha256:${"a".repeat(64)}`;
const PROXY = `registry.local:5000/nginx@sha256:${"b".repeat(64)}`;
const agent = { content: "#!/usr/bin/env bash\necho agent\n", sha256: "c".repeat(64) };

function spec(overrides: Partial<ReleaseSpec> = {}): ReleaseSpec {
  return {
    app: "shop",
    stack: "prod",
    image: IMAGE,
    proxyImage: PROXY,
    web: { command: null, port: 3000, healthPath: "/healthz" },
    worker: null,
    releaseCommand: ["node", "migrate.js"],
    env: { SECRET_TOKEN: "t0ken" },
    timeouts: { healthSeconds: 30, drainSeconds: 2, stopSeconds: 10 },
    keepReleases: 3,
    guard: RELEASE_GUARD_DEFAULTS,
    ...overrides,
  };
}

const hostNames = ["host-1", "host-2", "host-3", "host-4", "host-5"];
const registry = { server: "registry.local:5000", method: "helper" } as const;

/** The plan for the five hosts, batches of 2, the default spec; `overrides` change any of it. */
const planOf = (overrides: Partial<RolloutInput> = {}) =>
  planRollout({
    hosts: hostNames,
    spec: spec(),
    registry,
    agent,
    batchSize: 2,
    configHashKey: KEY,
    ...overrides,
  });

describe("the rollout plan", () => {
  it("sends the first host alone when there is a release command, then batches", () => {
    const plan = planOf();
    assert.deepEqual(
      plan.batches.map((b) => b.map((h) => h.host)),
      [["host-1"], ["host-2", "host-3"], ["host-4", "host-5"]],
    );
    const without = planRollout({
      hosts: hostNames,
      spec: spec({ releaseCommand: null }),
      registry,
      agent,
      batchSize: 2,
      configHashKey: KEY,
    });
    assert.deepEqual(
      without.batches.map((b) => b.map((h) => h.host)),
      rolloutOrder(hostNames, 2, false),
    );
  });

  it("tells every host but the first to skip the release command, and nothing else differs", () => {
    const hosts = planHosts(planOf({ batchSize: 1 }));
    assert.ok(!hosts[0]!.deploy.command.includes("--skip-release-command"));
    for (const h of hosts.slice(1)) {
      assert.equal(h.deploy.command, `${hosts[0]!.deploy.command} --skip-release-command`);
      assert.equal(h.deploy.stdin, hosts[0]!.deploy.stdin, "one stdin for every host");
      assert.deepEqual(h.install, hosts[0]!.install);
    }
    const input = JSON.parse(hosts[0]!.deploy.stdin) as AgentDeployInput;
    assert.deepEqual(input, { spec: spec(), registry });
    assert.equal(hosts[0]!.install.stdin, agent.content);
    assert.match(hosts[0]!.rollback.command, /berth-agent rollback --app shop --stack prod$/);
  });

  it("refuses a spec the agent would refuse, and repeated host names", () => {
    assert.throws(
      () =>
        planRollout({
          hosts: hostNames,
          spec: spec({ image: "shop:latest" }),
          registry,
          agent,
          batchSize: 1,
          configHashKey: KEY,
        }),
      /invalid release spec: image must be an image by digest/,
    );
    assert.throws(
      () =>
        planRollout({
          hosts: ["host-1", "host-1"],
          spec: spec(),
          registry,
          agent,
          batchSize: 1,
          configHashKey: KEY,
        }),
      /host names repeat/,
    );
  });
});

describe("the CLI executor runs exactly the plan", () => {
  const endpoints: Endpoint[] = hostNames.map((name, i) => ({
    name,
    address: "127.0.0.1",
    port: 2200 + i,
    user: "ec2-user",
  }));
  const summary = (outcome: string) => `progress\n{"outcome":"${outcome}","exitCode":0}\n`;

  it("install then deploy on each host, batch after batch, with the plan's stdin", async () => {
    const plan = planOf();
    const ran: { host: string; command: string; stdin: string }[] = [];
    const run: HostRunner = async (host, command, stdin) => {
      ran.push({ host: host.name, command, stdin });
      return { code: 0, stdout: summary("deployed"), stderr: "" };
    };
    const result = await executePlan(plan, endpoints, run);
    assert.equal(result.ok, true, result.error ?? "");
    // Within a batch the hosts run at once, so compare per batch, in batch order.
    const byBatch = plan.batches.map((batch) =>
      batch.flatMap((h) => [
        { host: h.host, command: h.install.command, stdin: h.install.stdin },
        { host: h.host, command: h.deploy.command, stdin: h.deploy.stdin },
      ]),
    );
    let offset = 0;
    for (const expected of byBatch) {
      const actual = ran.slice(offset, offset + expected.length);
      const key = (x: { host: string; command: string }) => `${x.host} ${x.command}`;
      assert.deepEqual(
        [...actual].sort((a, b) => key(a).localeCompare(key(b))),
        [...expected].sort((a, b) => key(a).localeCompare(key(b))),
      );
      offset += expected.length;
    }
    assert.equal(ran.length, offset);
    assert.deepEqual(
      result.results.map((r) => r.summary?.outcome),
      hostNames.map(() => "deployed"),
    );
  });

  it("stops after the batch with a failing host; later batches are never touched", async () => {
    const plan = planOf();
    const touched = new Set<string>();
    const run: HostRunner = async (host, command) => {
      touched.add(host.name);
      if (host.name === "host-3" && command.includes(" deploy "))
        return {
          code: 6,
          stdout: '{"outcome":"failed","exitCode":6,"reason":"web did not answer 200"}\n',
          stderr: "",
        };
      if (host.name === "host-2" && !command.includes(" deploy "))
        return { code: 255, stdout: "", stderr: "ssh: connect to host 127.0.0.1: refused" };
      return { code: 0, stdout: summary("deployed"), stderr: "" };
    };
    const result = await executePlan(plan, endpoints, run);
    assert.equal(result.ok, false);
    assert.deepEqual([...touched].sort(), ["host-1", "host-2", "host-3"]);
    assert.deepEqual(result.untouched, ["host-4", "host-5"]);
    assert.match(result.error ?? "", /host-2: unreachable over SSH: ssh: connect to host/);
    const host3 = result.results.find((r) => r.host === "host-3")!;
    assert.equal(host3.error, "host-3: agent failed (unhealthy): web did not answer 200");
  });

  describe("a failed batch switches back every host that took the release", () => {
    const isRollback = (command: string) => / rollback --app /.test(command);
    const isDeploy = (command: string) => / deploy /.test(command);
    const deployed = (release = "new") =>
      `{"outcome":"deployed","exitCode":0,"release":"${release}","previousBackgroundFailure":null}\n`;
    const switchedBackByBake = {
      code: 9,
      stdout:
        '{"outcome":"failed","exitCode":9,"reason":"5xx share 0.40 over 0.05 during the bake; back on the previous release"}\n',
      stderr: "",
    };

    /** A fake fleet: `deployOf` answers each host's deploy; rollbacks take 30 ms and are counted. */
    function fleet(
      deployOf: (host: string) => { code: number; stdout: string; stderr: string },
      rollbackOf: (host: string) => { code: number; stdout: string; stderr: string } = () => ({
        code: 0,
        stdout: '{"outcome":"rolled-back","exitCode":0,"release":"old"}\n',
        stderr: "",
      }),
    ) {
      const rolledBack: string[] = [];
      const deploys: string[] = [];
      let inFlight = 0;
      let maxInFlight = 0;
      const run: HostRunner = async (host, command) => {
        if (isRollback(command)) {
          rolledBack.push(host.name);
          inFlight += 1;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await new Promise((resolve) => setTimeout(resolve, 30));
          inFlight -= 1;
          return rollbackOf(host.name);
        }
        if (isDeploy(command)) {
          deploys.push(host.name);
          return deployOf(host.name);
        }
        return { code: 0, stdout: "berth-agent installed\n", stderr: "" };
      };
      return { run, rolledBack, deploys, maxInFlight: () => maxInFlight };
    }

    it("switches back earlier batches and the failing batch's good hosts, at once, with the plan's rollback command", async () => {
      // Batches: [host-1], [host-2, host-3], [host-4, host-5]; host-3's bake switches it back.
      const plan = planOf();
      const ran: { host: string; command: string }[] = [];
      const f = fleet((host) =>
        host === "host-3" ? switchedBackByBake : { code: 0, stdout: deployed(), stderr: "" },
      );
      const run: HostRunner = (host, command, stdin, onLine) => {
        if (isRollback(command)) ran.push({ host: host.name, command });
        return f.run(host, command, stdin, onLine);
      };
      const progress: string[] = [];
      const result = await executePlan(plan, endpoints, run, { progress: (l) => progress.push(l) });
      assert.equal(result.ok, false);
      assert.deepEqual([...f.rolledBack].sort(), ["host-1", "host-2"], "host-3 is back already");
      assert.equal(f.maxInFlight(), 2, "both switch-backs ran at once");
      for (const r of ran) assert.equal(r.command, plan.batches[0]![0]!.rollback.command);
      assert.deepEqual(f.deploys.sort(), ["host-1", "host-2", "host-3"]);
      assert.deepEqual(result.untouched, ["host-4", "host-5"]);
      assert.deepEqual(result.switchBack?.rolledBack, ["host-1", "host-2"]);
      assert.deepEqual(result.switchBack?.failed, []);
      assert.equal(
        result.error,
        "rollout stopped: host-3: agent failed (switchedBack): 5xx share 0.40 over 0.05 during the bake; back on the previous release; switched back: host-1, host-2; not touched: host-4, host-5",
      );
      // Timings: each host's switch-back and the whole one, for the caller.
      for (const r of result.switchBack?.results ?? [])
        assert.ok(r.ms >= 25, `${r.host} ${r.ms} ms`);
      assert.ok((result.switchBack?.ms ?? 0) < 200, "at once, not one after another");
      assert.ok(
        progress.some((l) => /^host-1: back on old in \d+ ms$/.test(l)),
        progress.join("\n"),
      );
    });

    it("leaves hosts whose deploy was unchanged alone: their previous release is an older one", async () => {
      const plan = planRollout({
        hosts: hostNames,
        spec: spec({ releaseCommand: null }),
        registry,
        agent,
        batchSize: 2,
        configHashKey: KEY,
      });
      const f = fleet((host) =>
        host === "host-1"
          ? { code: 0, stdout: '{"outcome":"unchanged","exitCode":0}\n', stderr: "" }
          : host === "host-4"
            ? {
                code: 8,
                stdout: '{"outcome":"failed","exitCode":8,"reason":"smoke GET / answered 500"}\n',
                stderr: "",
              }
            : { code: 0, stdout: deployed(), stderr: "" },
      );
      const result = await executePlan(plan, endpoints, f.run);
      assert.deepEqual([...f.rolledBack].sort(), ["host-2", "host-3"]);
      assert.equal(
        result.error,
        "rollout stopped: host-4: agent failed (smoke): smoke GET / answered 500; switched back: host-2, host-3; left on it, as they ran it before this rollout: host-1; not touched: host-5",
      );
    });

    it("names a host that could not be switched back, and how to retry it, without stopping the others", async () => {
      const plan = planRollout({
        hosts: hostNames,
        spec: spec({ releaseCommand: null }),
        registry,
        agent,
        batchSize: 1,
        configHashKey: KEY,
      });
      const f = fleet(
        (host) =>
          host === "host-4"
            ? {
                code: 6,
                stdout: '{"outcome":"failed","exitCode":6,"reason":"web did not answer 200"}\n',
                stderr: "",
              }
            : { code: 0, stdout: deployed(), stderr: "" },
        (host) =>
          host === "host-2"
            ? {
                code: 255,
                stdout: "",
                stderr: "ssh: connect to host 127.0.0.1 port 2201: Connection refused",
              }
            : {
                code: 0,
                stdout: '{"outcome":"rolled-back","exitCode":0,"release":"old"}\n',
                stderr: "",
              },
      );
      const result = await executePlan(plan, endpoints, f.run);
      assert.deepEqual([...f.rolledBack].sort(), ["host-1", "host-2", "host-3"]);
      assert.deepEqual(result.switchBack?.rolledBack, ["host-1", "host-3"]);
      assert.deepEqual(result.switchBack?.failed, ["host-2"]);
      assert.equal(
        result.error,
        "rollout stopped: host-4: agent failed (unhealthy): web did not answer 200; switched back: host-1, host-3; switch-back FAILED, still on the new release: host-2: unreachable over SSH: ssh: connect to host 127.0.0.1 port 2201: Connection refused (retry with berth rollback --host host-2); not touched: host-5",
      );
    });

    it("switches nothing back when told not to, and says which hosts keep the release", async () => {
      const plan = planRollout({
        hosts: hostNames.slice(0, 3),
        spec: spec({ releaseCommand: null }),
        registry,
        agent,
        batchSize: 1,
        configHashKey: KEY,
      });
      const f = fleet((host) =>
        host === "host-2" ? switchedBackByBake : { code: 0, stdout: deployed(), stderr: "" },
      );
      const result = await executePlan(plan, endpoints, f.run, { switchBack: false });
      assert.deepEqual(f.rolledBack, []);
      assert.equal(result.switchBack, undefined);
      assert.match(result.error ?? "", /; still on the new release: host-1; not touched: host-3$/);
    });

    it("prints a WARNING line when a host's previous background work failed", async () => {
      const plan = planRollout({
        hosts: hostNames.slice(0, 2),
        spec: spec({ releaseCommand: null }),
        registry,
        agent,
        batchSize: 1,
        configHashKey: KEY,
      });
      const failedBackground = {
        release: "aaaaaaaaaaaa-cccccccccccc",
        state: "failed",
        reason: "worker shop-prod-worker-aaaaaaaaaaaa-1 did not stop within 10 s",
        time: "2026-11-30T10:00:00Z",
        durationsMs: {},
      };
      const f = fleet((host) => ({
        code: 0,
        stdout: `${JSON.stringify({
          outcome: "deployed",
          exitCode: 0,
          release: "new",
          previousBackgroundFailure: host === "host-2" ? failedBackground : null,
        })}\n`,
        stderr: "",
      }));
      const progress: string[] = [];
      const result = await executePlan(plan, endpoints, f.run, {
        progress: (l) => progress.push(l),
      });
      assert.equal(result.ok, true);
      const warnings = progress.filter((l) => l.startsWith("WARNING:"));
      assert.deepEqual(warnings, [
        "WARNING: host-2: the background work after deploying aaaaaaaaaaaa-cccccccccccc (drain, old workers, prune) failed at 2026-11-30T10:00:00Z: worker shop-prod-worker-aaaaaaaaaaaa-1 did not stop within 10 s; the previous release's containers may still run there (berth status --json lists them)",
      ]);
    });
  });
});

describe("the Pulumi program's Release registers exactly the plan", () => {
  let run: ProgramRun;
  const COMMAND = "command:remote:Command";
  before(async () => {
    run = await runProgram({
      stack: "staging",
      configOverrides: {
        "berth:hosts": { count: 5, instanceType: "t3.small", rootVolumeGiB: 20 },
        "berth:release": {
          batchSize: 2,
          healthSeconds: 60,
          drainSeconds: 5,
          stopSeconds: 20,
          keepReleases: 3,
          command: ["node", "migrate.js"],
        },
      },
    });
  });

  const byName = (name: string): RegisteredResource =>
    run.ofType(COMMAND).find((c) => c.name === name) ?? assert.fail(`no ${COMMAND} named ${name}`);

  it("one install and one deploy per host, with the plan's commands and stdin, byte for byte", () => {
    const first = byName("shop-api-release-host-1");
    const input = JSON.parse(String(first.inputs.stdin)) as AgentDeployInput;
    const plan = planRollout({
      hosts: hostNames,
      spec: input.spec,
      registry: input.registry,
      agent: readAgentScript(),
      batchSize: 2,
      configHashKey: configHashKeyOf(run),
    });
    assert.equal(run.ofType(COMMAND).length, 2 * hostNames.length);
    for (const h of planHosts(plan)) {
      const install = byName(`shop-api-release-${h.host}-agent`);
      const deploy = byName(`shop-api-release-${h.host}`);
      assert.equal(install.inputs.create, h.install.command, `${h.host} install command`);
      assert.equal(install.inputs.stdin, h.install.stdin, `${h.host} install stdin`);
      assert.deepEqual(install.inputs.triggers, h.install.triggers);
      assert.equal(deploy.inputs.create, h.deploy.command, `${h.host} deploy command`);
      assert.equal(deploy.inputs.update, h.deploy.command, `${h.host} deploy update`);
      assert.equal(deploy.inputs.stdin, h.deploy.stdin, `${h.host} deploy stdin`);
      assert.deepEqual(deploy.inputs.triggers, h.deploy.triggers);
    }
  });

  it("chains the commands in the plan's order: each batch waits for every deploy of the batch before", () => {
    const plan = planRollout({
      hosts: hostNames,
      spec: (JSON.parse(String(byName("shop-api-release-host-1").inputs.stdin)) as AgentDeployInput)
        .spec,
      registry,
      agent,
      batchSize: 2,
      configHashKey: KEY,
    });
    const deployOf = (host: string) => byName(`shop-api-release-${host}`);
    const installOf = (host: string) => byName(`shop-api-release-${host}-agent`);
    plan.batches.forEach((batch, index) => {
      const previous = index > 0 ? plan.batches[index - 1]!.map((h) => deployOf(h.host).urn) : [];
      const others = plan.batches
        .filter((_, i) => i !== index - 1)
        .flat()
        .map((h) => deployOf(h.host).urn);
      for (const h of batch) {
        const deploy = deployOf(h.host);
        const install = installOf(h.host);
        assert.ok(deploy.dependencies.includes(install.urn), `${h.host}: deploy before install`);
        for (const urn of previous) {
          assert.ok(install.dependencies.includes(urn), `${h.host}: install before batch ${index}`);
          assert.ok(deploy.dependencies.includes(urn), `${h.host}: deploy before batch ${index}`);
        }
        for (const urn of others)
          assert.ok(!deploy.dependencies.includes(urn), `${h.host} waits on a batch out of order`);
      }
    });
  });
});
