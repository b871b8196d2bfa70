/**
 * After a failed `pulumi up` on an AWS stack, `berth deploy` switches back the hosts that took the
 * release during that up (their last receipt: a deploy, outcome "deployed", timed at or after the
 * up's start, less CLOCK_SKEW_MS), with the same parallel rollback as `berth rollback`, and says
 * what it did. The choice is a pure function of the hosts' statuses and the start time.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HostStatusRow } from "../../cli/src/format";
import { CliDeps, main } from "../../cli/src/index";
import { CLOCK_SKEW_MS, hostsToSwitchBack } from "../../cli/src/switch-back";
import { AWS_TARGET as TARGET } from "./cli-fixtures";
import { AgentStatus } from "../../infra/src/agent/contract";

const UP = "2026-11-30T12:00:00.000Z";

function row(
  host: string,
  receipt: Partial<NonNullable<AgentStatus["lastReceipt"]>> | null,
): HostStatusRow {
  return {
    host,
    status: {
      host,
      healthy: true,
      containers: [],
      lastReceipt: receipt as AgentStatus["lastReceipt"],
    } as unknown as AgentStatus,
  };
}
const deploy = (time: string, outcome = "deployed") => ({
  action: "deploy" as const,
  outcome: outcome as "deployed",
  time,
});

describe("which hosts a failed up moved to the new release", () => {
  it("takes deploys that ended during the up, and nothing else", () => {
    const choice = hostsToSwitchBack(
      [
        row("host-1", deploy("2026-11-30T12:01:10Z")),
        row("host-2", deploy("2026-11-30T12:01:40.5Z")),
        row("host-3", deploy("2026-11-30T12:02:00Z", "failed")),
        row("host-4", deploy("2026-11-30T12:01:50Z", "unchanged")),
        row("host-5", deploy("2026-11-29T09:00:00Z")),
        row("host-6", { action: "rollback", outcome: "rolled-back", time: "2026-11-30T12:01:00Z" }),
        row("host-7", null),
        {
          host: "host-8",
          error: "ssh: connect to host 10.0.0.8 port 22: Connection timed out",
          unreachable: true,
        },
      ],
      UP,
    );
    assert.deepEqual(choice.switchBack, ["host-1", "host-2"]);
    assert.deepEqual(choice.leave, [
      { host: "host-3", why: "last receipt: deploy failed" },
      { host: "host-4", why: "last receipt: deploy unchanged" },
      { host: "host-5", why: "deployed before this up, at 2026-11-29T09:00:00Z" },
      { host: "host-6", why: "last receipt: rollback rolled-back" },
      { host: "host-7", why: "no receipt" },
    ]);
    assert.deepEqual(choice.unreadable, [
      { host: "host-8", error: "ssh: connect to host 10.0.0.8 port 22: Connection timed out" },
    ]);
  });

  it("allows a host clock up to CLOCK_SKEW_MS behind the operator's, and no more", () => {
    const at = (offsetMs: number) => new Date(Date.parse(UP) + offsetMs).toISOString();
    const choice = hostsToSwitchBack(
      [
        row("host-1", deploy(at(0))),
        row("host-2", deploy(at(-CLOCK_SKEW_MS))),
        row("host-3", deploy(at(-CLOCK_SKEW_MS - 1))),
      ],
      UP,
    );
    assert.equal(CLOCK_SKEW_MS, 5000);
    assert.deepEqual(choice.switchBack, ["host-1", "host-2"]);
    assert.deepEqual(
      choice.leave.map((l) => l.host),
      ["host-3"],
    );
  });

  it("leaves a receipt with an unreadable time, and refuses a start that is not a time", () => {
    const choice = hostsToSwitchBack([row("host-1", deploy("yesterday"))], UP);
    assert.deepEqual(choice.leave, [
      { host: "host-1", why: 'receipt time unreadable: "yesterday"' },
    ]);
    assert.throws(() => hostsToSwitchBack([], "now"), /not an ISO time: "now"/);
  });
});

describe("berth deploy -s <aws stack> after a failed pulumi up", () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), "berth-cli-switch-back-"));
    writeFileSync(join(root, "Pulumi.prod.yaml"), "config:\n  berth:app: shop\n");
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  /** `receipts` by host name: each a function of the up's start (as the fake pulumi saw it). */
  function fakeDeps(
    upExit: number,
    receipts: Record<
      string,
      (upStart: number) => { action: string; outcome: string; time: string }
    >,
    rollbackOf: (host: string) => { code: number; stdout: string; stderr: string } = () => ({
      code: 0,
      stdout: '{"outcome":"rolled-back","release":"old"}',
      stderr: "",
    }),
  ) {
    const err: string[] = [];
    const rolledBack: string[] = [];
    let upStart = 0;
    let resolved = 0;
    const hostOf = (argv: string[]) => {
      const address = (argv.find((a) => a.startsWith("ec2-user@")) ?? "").slice("ec2-user@".length);
      return TARGET.hosts.find((h) => h.address === address)?.name ?? "?";
    };
    const deps: CliDeps = {
      resolveTarget: () => {
        resolved += 1;
        return TARGET;
      },
      capture: async (argv) => {
        const host = hostOf(argv);
        const remote = argv[argv.length - 1] ?? "";
        if (remote.includes(" rollback ")) {
          rolledBack.push(host);
          return rollbackOf(host);
        }
        assert.match(remote, / status --app shop --stack prod$/);
        const receipt = receipts[host]?.(upStart) ?? null;
        return {
          code: 0,
          stdout: JSON.stringify({ host, healthy: true, containers: [], lastReceipt: receipt }),
          stderr: "",
        };
      },
      stream: async () => 0,
      interactive: async (argv) => {
        assert.deepEqual(argv.slice(0, 4), ["pulumi", "up", "--stack", "prod"]);
        upStart = Date.now();
        return upExit;
      },
      pulumi: () => ({ status: null, stdout: "", stderr: "", missing: true }),
      root,
      out: () => {},
      err: (t) => err.push(t),
    };
    return { deps, err, rolledBack, resolved: () => resolved };
  }

  const during =
    (outcome = "deployed") =>
    (upStart: number) => ({
      action: "deploy",
      outcome,
      time: new Date(upStart + 2000).toISOString(),
    });
  const earlier = () => ({ action: "deploy", outcome: "deployed", time: "2026-11-01T00:00:00Z" });

  it("switches back, at once, the hosts this up deployed; keeps pulumi's exit code; says what it did", async () => {
    const { deps, err, rolledBack } = fakeDeps(255, {
      "host-1": during(),
      "host-2": during(),
      "host-3": during("failed"),
      "host-4": earlier,
    });
    assert.equal(await main(["deploy", "-s", "prod"], deps), 255);
    assert.deepEqual(rolledBack.sort(), ["host-1", "host-2"]);
    assert.equal(
      err[0],
      "berth: pulumi up failed (exit 255); looking for hosts that took the release before the failure",
    );
    assert.equal(err[1], "rolling back host-1, host-2 at once");
    assert.match(
      err[err.length - 1] ?? "",
      /^berth: switched back host-1, host-2 \(deployed during this up\) in \d+ ms; left as they are: host-3 \(last receipt: deploy failed\), host-4 \(deployed before this up, at 2026-11-01T00:00:00Z\)$/,
    );
  });

  it("names a host it could not switch back, and the command that retries it", async () => {
    const { deps, err } = fakeDeps(
      1,
      { "host-1": during(), "host-2": during(), "host-3": during("failed"), "host-4": earlier },
      (host) =>
        host === "host-2"
          ? {
              code: 3,
              stdout: '{"outcome":"failed","reason":"a deploy holds the lock"}',
              stderr: "",
            }
          : { code: 0, stdout: '{"outcome":"rolled-back","release":"old"}', stderr: "" },
    );
    assert.equal(await main(["deploy", "-s", "prod"], deps), 1);
    assert.match(
      err[err.length - 1] ?? "",
      /^berth: switched back host-1 \(deployed during this up\) in \d+ ms; switch-back FAILED, still on the new release: host-2: rollback failed \(locked\): a deploy holds the lock \(retry: berth rollback -s prod --host host-2\); left as they are: /,
    );
  });

  it("says so when no host took the release", async () => {
    const { deps, err, rolledBack } = fakeDeps(1, {
      "host-1": during("failed"),
      "host-2": earlier,
      "host-3": earlier,
      "host-4": earlier,
    });
    assert.equal(await main(["deploy", "-s", "prod"], deps), 1);
    assert.deepEqual(rolledBack, []);
    assert.match(
      err[err.length - 1] ?? "",
      /^berth: no host took a release during this up, nothing to switch back; left as they are: host-1 \(last receipt: deploy failed\), host-2 /,
    );
  });

  it("says why when the stack has no hosts to read (a first up that failed)", async () => {
    const { deps, err, rolledBack } = fakeDeps(1, {});
    deps.resolveTarget = () => {
      throw new Error('stack "prod" has no "hosts" output: run pulumi up -s prod first');
    };
    assert.equal(await main(["deploy", "-s", "prod"], deps), 1);
    assert.deepEqual(rolledBack, []);
    assert.match(
      err[err.length - 1] ?? "",
      /^berth: the switch-back after the failed up stopped: stack "prod" has no "hosts" output: .*; see what each host runs with berth status -s prod$/,
    );
  });

  it("reads no host after an up that succeeded", async () => {
    const { deps, resolved, rolledBack } = fakeDeps(0, { "host-1": during() });
    assert.equal(await main(["deploy", "-s", "prod"], deps), 0);
    assert.equal(resolved(), 0);
    assert.deepEqual(rolledBack, []);
  });
});
