import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CliDeps, main } from "../../cli/src/index";
import { CliError } from "../../cli/src/pulumi";
import { Target } from "../../cli/src/targets";

const TARGET: Target = {
  stack: "prod",
  kind: "aws",
  app: "shop",
  agentStack: "prod",
  hosts: [
    { name: "host-1", address: "10.0.0.1", port: 22, user: "ec2-user" },
    { name: "host-2", address: "10.0.0.2", port: 22, user: "ec2-user" },
    { name: "host-3", address: "10.0.0.3", port: 22, user: "ec2-user" },
  ],
  access: { knownHostsFile: "/k", strictHostKeyChecking: "accept-new" },
};

function status(host: string, healthy: boolean, background: Record<string, unknown> | null = null) {
  return JSON.stringify({
    host,
    release: "aaaaaaaaaaaa-cccccccccccc",
    image: `r/shop@sha256:${"a".repeat(64)}`,
    digest: `sha256:${"a".repeat(64)}`,
    healthy,
    containers: [
      { name: "w", role: "web", state: "running", release: "x", healthy },
      { name: "p", role: "proxy", state: "running", release: "x", healthy: null },
    ],
    lastReceipt: { action: "deploy", outcome: "deployed", time: "2026-11-26T10:00:00Z" },
    background,
  });
}

/** Fake deps: `hostReply` answers each SSH invocation by host address. */
function fakeDeps(
  hostReply: (address: string, remote: string) => { code: number; stdout: string; stderr: string },
) {
  const out: string[] = [];
  const err: string[] = [];
  const calls: string[][] = [];
  const deps: CliDeps = {
    resolveTarget: (stack) => {
      if (stack !== "prod")
        throw new CliError(`unknown stack "${stack}": use one of local, prod, staging`, 2);
      return TARGET;
    },
    capture: async (argv, onStderrLine) => {
      calls.push(argv);
      const address = (argv.find((a) => a.startsWith("ec2-user@")) ?? "").slice("ec2-user@".length);
      const reply = hostReply(address, argv[argv.length - 1] ?? "");
      reply.stderr
        .split("\n")
        .filter(Boolean)
        .forEach((l) => onStderrLine?.(l));
      return reply;
    },
    stream: async (argv, onLine) => {
      calls.push(argv);
      const address = (argv.find((a) => a.startsWith("ec2-user@")) ?? "").slice("ec2-user@".length);
      const reply = hostReply(address, argv[argv.length - 1] ?? "");
      reply.stdout.split("\n").filter(Boolean).forEach(onLine);
      return reply.code;
    },
    interactive: async (argv) => {
      calls.push(argv);
      return 0;
    },
    pulumi: () => ({ status: null, stdout: "", stderr: "", missing: true }),
    root: "/nonexistent",
    out: (t) => out.push(t),
    err: (t) => err.push(t),
  };
  return { deps, out, err, calls };
}

describe("cli: commands and errors", () => {
  it("rejects an unknown command with usage exit code 2 and a hint", async () => {
    const { deps, err } = fakeDeps(() => ({ code: 0, stdout: "", stderr: "" }));
    assert.equal(await main(["rolback", "-s", "prod"], deps), 2);
    assert.match(err.join("\n"), /unknown command 'rolback'/);
    assert.match(err.join("\n"), /Did you mean rollback\?/);
  });

  it("rejects an unknown stack, naming the valid ones", async () => {
    const { deps, err } = fakeDeps(() => ({ code: 0, stdout: "", stderr: "" }));
    assert.equal(await main(["status", "-s", "production"], deps), 2);
    assert.match(
      err.join("\n"),
      /berth: unknown stack "production": use one of local, prod, staging/,
    );
  });

  it("requires -s on every host command", async () => {
    const { deps, err } = fakeDeps(() => ({ code: 0, stdout: "", stderr: "" }));
    assert.equal(await main(["status"], deps), 2);
    assert.match(err.join("\n"), /required option '-s, --stack <stack>' not specified/);
  });

  for (const [command, option] of [
    ["status", "--json"],
    ["logs", "--grep <regexp>"],
    ["exec", "--no-tty"],
    ["rollback", "--one-at-a-time"],
    ["ssh", "[host]"],
    ["promote", "--expect-digest <digest>"],
  ]) {
    it(`has help for ${command}`, async () => {
      const { deps, out } = fakeDeps(() => ({ code: 0, stdout: "", stderr: "" }));
      assert.equal(await main([command as string, "--help"], deps), 0);
      assert.match(out.join("\n"), new RegExp(`Usage: berth ${command}`));
      assert.ok(out.join("\n").includes(option as string), `${command} --help mentions ${option}`);
    });
  }

  describe("status", () => {
    it("asks every host's agent and prints one row per host, unreachable ones included", async () => {
      const { deps, out, calls } = fakeDeps((address) =>
        address === "10.0.0.3"
          ? {
              code: 255,
              stdout: "",
              stderr: "ssh: connect to host 10.0.0.3 port 22: Connection timed out",
            }
          : { code: 0, stdout: `progress\n${status(address, true)}\n`, stderr: "" },
      );
      assert.equal(await main(["status", "-s", "prod"], deps), 1, "a host down makes status fail");
      assert.deepEqual(
        calls.map((c) => c[c.length - 1]),
        Array(3).fill("sudo -n /usr/local/bin/berth-agent status --app shop --stack prod"),
      );
      const table = out.join("\n").split("\n");
      assert.match(
        table[0] ?? "",
        /^HOST\s+RELEASE\s+DIGEST\s+HEALTHY\s+CONTAINERS\s+BACKGROUND\s+LAST DEPLOY$/,
      );
      assert.match(
        table[1] ?? "",
        /^host-1\s+aaaaaaaaaaaa-cccccccccccc\s+aaaaaaaaaaaa\s+yes\s+web:1 worker:0 proxy:1\s+-\s+deploy deployed 2026/,
      );
      assert.match(table[3] ?? "", /^host-3 .*unreachable .*Connection timed out/);
    });

    it("tells a failing agent on a reachable host from an unreachable host", async () => {
      const { deps, out } = fakeDeps((address) =>
        address === "10.0.0.2"
          ? { code: 1, stdout: "", stderr: "berth-agent: FAILED: unexpected error" }
          : { code: 0, stdout: status(address, true), stderr: "" },
      );
      assert.equal(await main(["status", "-s", "prod"], deps), 1);
      assert.match(
        out.join("\n"),
        /\nhost-2 +- +- +error +- +- +berth-agent: FAILED: unexpected error/,
      );
    });

    it("shows each host's background work, and a WARNING line for a failed one", async () => {
      const background = (state: string, reason = "") => ({
        release: "aaaaaaaaaaaa-cccccccccccc",
        state,
        reason,
        time: "2026-11-26T10:00:05Z",
        durationsMs: {},
      });
      const byAddress: Record<string, ReturnType<typeof background>> = {
        "10.0.0.1": background("running"),
        "10.0.0.2": background("succeeded"),
        "10.0.0.3": background("failed", "old web container did not stop within 10 s"),
      };
      const { deps, out, err } = fakeDeps((address) => ({
        code: 0,
        stdout: status(address, true, byAddress[address] ?? null),
        stderr: "",
      }));
      assert.equal(await main(["status", "-s", "prod"], deps), 0, "the hosts serve: still healthy");
      const table = out.join("\n").split("\n");
      assert.match(table[1] ?? "", /^host-1 .* running +deploy deployed/);
      assert.match(table[2] ?? "", /^host-2 .* succeeded +deploy deployed/);
      assert.match(table[3] ?? "", /^host-3 .* FAILED +deploy deployed/);
      assert.deepEqual(err, [
        "WARNING: host-3: the background work after deploying aaaaaaaaaaaa-cccccccccccc (drain, old workers, prune) failed at 2026-11-26T10:00:05Z: old web container did not stop within 10 s; the previous release's containers may still run there (berth status --json lists them)",
      ]);

      out.length = 0;
      assert.equal(await main(["status", "-s", "prod", "--json"], deps), 0);
      const rows = JSON.parse(out.join("\n")) as {
        host: string;
        status: { background: { state: string; reason: string } };
      }[];
      assert.deepEqual(
        rows.map((r) => [r.host, r.status.background.state]),
        [
          ["host-1", "running"],
          ["host-2", "succeeded"],
          ["host-3", "failed"],
        ],
      );
    });

    it("exits 0 when every host is healthy, and prints JSON on request", async () => {
      const { deps, out } = fakeDeps((address) => ({
        code: 0,
        stdout: status(address, true),
        stderr: "",
      }));
      assert.equal(await main(["status", "-s", "prod", "--json"], deps), 0);
      const rows = JSON.parse(out.join("\n")) as { host: string; status: { healthy: boolean } }[];
      assert.deepEqual(
        rows.map((r) => [r.host, r.status.healthy]),
        [
          ["host-1", true],
          ["host-2", true],
          ["host-3", true],
        ],
      );
    });
  });

  describe("deploy", () => {
    let root: string;
    before(() => {
      root = mkdtempSync(join(tmpdir(), "berth-cli-deploy-"));
      writeFileSync(join(root, "Pulumi.prod.yaml"), "config:\n  berth:app: shop\n");
    });
    after(() => rmSync(root, { recursive: true, force: true }));

    it("deploys an AWS stack with pulumi up and the policy pack, even before its first up (no outputs)", async () => {
      const { deps, calls } = fakeDeps(() => ({ code: 0, stdout: "", stderr: "" }));
      deps.resolveTarget = () => assert.fail("a first deploy has no outputs to resolve hosts from");
      deps.root = root;
      assert.equal(await main(["deploy", "-s", "prod"], deps), 0);
      assert.deepEqual(calls, [
        ["pulumi", "up", "--stack", "prod", "--policy-pack", join(root, "policy")],
      ]);
    });

    it("refuses --batch-size for an AWS stack (its config decides)", async () => {
      const { deps, calls, err } = fakeDeps(() => ({ code: 0, stdout: "", stderr: "" }));
      deps.root = root;
      assert.equal(await main(["deploy", "-s", "prod", "--batch-size", "2"], deps), 2);
      assert.match(
        err.join("\n"),
        /--batch-size applies to the local fleet; stack prod takes berth:release\.batchSize/,
      );
      assert.deepEqual(calls, []);
    });

    it("refuses a batch size that is not a whole number of at least 1, touching nothing", async () => {
      const { deps, calls, err } = fakeDeps(() => ({ code: 0, stdout: "", stderr: "" }));
      deps.root = root;
      assert.equal(await main(["deploy", "-s", "prod", "--batch-size", "0"], deps), 2);
      assert.match(err.join("\n"), /--batch-size must be a whole number of at least 1 \(got "0"\)/);
      assert.deepEqual(calls, []);
    });

    it("refuses an unknown stack before starting anything", async () => {
      const { deps, calls } = fakeDeps(() => ({ code: 0, stdout: "", stderr: "" }));
      deps.root = root;
      assert.equal(await main(["deploy", "-s", "qa"], deps), 2);
      assert.deepEqual(calls, []);
    });
  });

  describe("rollback", () => {
    const rolledBack = { code: 0, stdout: '{"outcome":"rolled-back"}', stderr: "" };

    it("rolls every host back at once and says how long the fleet took", async () => {
      let inFlight = 0;
      let maxInFlight = 0;
      const { deps, err } = fakeDeps(() => rolledBack);
      const capture = deps.capture;
      deps.capture = async (argv, onLine, stdin) => {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 20));
        inFlight -= 1;
        return capture(argv, onLine, stdin);
      };
      assert.equal(await main(["rollback", "-s", "prod"], deps), 0);
      assert.equal(maxInFlight, 3);
      assert.match(
        err.join("\n"),
        /rolled back 3 host\(s\) at once in \d+ ms: host-1, host-2, host-3$/,
      );
    });

    it("rolls hosts back one after another with --one-at-a-time", async () => {
      const order: string[] = [];
      const { deps } = fakeDeps((address) => {
        order.push(address);
        return rolledBack;
      });
      assert.equal(await main(["rollback", "-s", "prod", "--one-at-a-time"], deps), 0);
      assert.deepEqual(order, ["10.0.0.1", "10.0.0.2", "10.0.0.3"]);
    });

    it("rolls back only the hosts named with --host", async () => {
      const order: string[] = [];
      const { deps } = fakeDeps((address) => {
        order.push(address);
        return rolledBack;
      });
      assert.equal(
        await main(["rollback", "-s", "prod", "--host", "host-3", "--host", "host-1"], deps),
        0,
      );
      assert.deepEqual(order.sort(), ["10.0.0.1", "10.0.0.3"]);
      assert.equal(await main(["rollback", "-s", "prod", "--host", "host-9"], deps), 2);
    });

    it("a failing host stops no other; exit 1 names who went back and who failed", async () => {
      const order: string[] = [];
      const { deps, err } = fakeDeps((address) => {
        order.push(address);
        return address === "10.0.0.2"
          ? {
              code: 1,
              stdout: '{"outcome":"failed","reason":"no previous release on host-2"}',
              stderr: "x",
            }
          : rolledBack;
      });
      assert.equal(await main(["rollback", "-s", "prod"], deps), 1);
      assert.deepEqual(order.sort(), ["10.0.0.1", "10.0.0.2", "10.0.0.3"]);
      assert.match(
        err.join("\n"),
        /berth: host-2: rollback failed: no previous release on host-2; rolled back: host-1, host-3$/,
      );
    });

    it("with --one-at-a-time stops at the first failing host and names the hosts not touched", async () => {
      const order: string[] = [];
      const { deps, err } = fakeDeps((address) => {
        order.push(address);
        return address === "10.0.0.2"
          ? {
              code: 1,
              stdout: '{"outcome":"failed","reason":"no previous release on host-2"}',
              stderr: "x",
            }
          : rolledBack;
      });
      assert.equal(await main(["rollback", "-s", "prod", "--one-at-a-time"], deps), 1);
      assert.deepEqual(order, ["10.0.0.1", "10.0.0.2"]);
      assert.match(
        err.join("\n"),
        /host-2: rollback failed: no previous release on host-2; rolled back: host-1; not touched: host-3/,
      );
    });

    it("runs the same way on the local fleet", async () => {
      const { deps, calls } = fakeDeps(() => rolledBack);
      deps.resolveTarget = () => ({
        ...TARGET,
        stack: "local",
        kind: "local",
        agentStack: "local",
      });
      assert.equal(await main(["rollback", "-s", "local"], deps), 0);
      assert.deepEqual(
        calls.map((c) => c[c.length - 1]),
        Array(3).fill("sudo -n /usr/local/bin/berth-agent rollback --app shop --stack local"),
      );
    });
  });

  describe("logs", () => {
    it("prefixes every line with its host and keeps only --grep matches", async () => {
      const { deps, out } = fakeDeps((address) => ({
        code: 0,
        stdout: `shop-prod-web GET /healthz 200 from ${address}\nshop-prod-web POST /orders 500\n`,
        stderr: "",
      }));
      assert.equal(
        await main(["logs", "-s", "prod", "--grep", " 500$", "--host", "host-2"], deps),
        0,
      );
      assert.deepEqual(out, ["host-2 shop-prod-web POST /orders 500"]);
    });

    it("rejects an unknown process and a bad pattern before contacting any host", async () => {
      const { deps, err, calls } = fakeDeps(() => ({ code: 0, stdout: "", stderr: "" }));
      assert.equal(await main(["logs", "-s", "prod", "-p", "app,db"], deps), 2);
      assert.match(err.join("\n"), /unknown process "db": use app, worker or nginx/);
      assert.equal(await main(["logs", "-s", "prod", "-g", "("], deps), 2);
      assert.match(err.join("\n"), /--grep "\(" is not a valid regular expression/);
      assert.equal(calls.length, 0);
    });
  });

  describe("exec and ssh", () => {
    it("runs the command on the chosen host, in a container of the running release", async () => {
      const { deps, calls } = fakeDeps(() => ({ code: 0, stdout: "", stderr: "" }));
      assert.equal(
        await main(
          ["run", "-s", "prod", "--host", "host-3", "-T", "--", "node", "migrate.js"],
          deps,
        ),
        0,
      );
      const argv = calls[0] ?? [];
      assert.ok(argv.includes("ec2-user@10.0.0.3"));
      assert.ok(argv.includes("-T"));
      assert.match(
        argv[argv.length - 1] ?? "",
        /docker run --rm -i --name .* berth-run node migrate\.js$/,
      );
    });

    it("exec runs the command inside the running worker on the chosen host, not a new container", async () => {
      const { deps, calls } = fakeDeps(() => ({ code: 0, stdout: "", stderr: "" }));
      assert.equal(
        await main(
          ["exec", "-s", "prod", "--host", "host-2", "-p", "worker", "-T", "--", "node", "-v"],
          deps,
        ),
        0,
      );
      const argv = calls[0] ?? [];
      assert.ok(argv.includes("ec2-user@10.0.0.2"));
      const remote = argv[argv.length - 1] ?? "";
      assert.match(remote, /label=berth\.role=worker/);
      assert.match(remote, /docker exec -i "\$container" "\$@".* berth-exec node -v$/s);
      assert.doesNotMatch(remote, /docker run/);
    });

    it("opens a terminal on a named host, and names the hosts for an unknown one", async () => {
      const { deps, calls, err } = fakeDeps(() => ({ code: 0, stdout: "", stderr: "" }));
      assert.equal(await main(["ssh", "-s", "prod", "host-2"], deps), 0);
      assert.deepEqual(calls[0]?.slice(-2), ["-t", "ec2-user@10.0.0.2"]);
      assert.equal(await main(["ssh", "-s", "prod", "host-7"], deps), 2);
      assert.match(
        err.join("\n"),
        /unknown host "host-7" in stack prod: use one of host-1, host-2, host-3/,
      );
    });
  });
});
