/**
 * `berth switch-back -s <stack> --since <ISO time>`: the switch-back `berth deploy` runs after a
 * failed `pulumi up`, for an up that ran elsewhere (the Deploy workflow's pulumi/actions step).
 * The hosts, their statuses and their rollbacks are fakes answering the CLI's SSH invocations.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseSince } from "../../cli/src/commands/switch-back";
import { CliDeps, main } from "../../cli/src/index";
import { CliError } from "../../cli/src/pulumi";
import { CLOCK_SKEW_MS } from "../../cli/src/switch-back";
import { AWS_TARGET as TARGET } from "./cli-fixtures";

const SINCE = "2026-11-30T12:00:00Z";
const at = (offsetMs: number) => new Date(Date.parse(SINCE) + offsetMs).toISOString();

type Receipt = { action: string; outcome: string; time: string };
type Reply = { code: number; stdout: string; stderr: string };

const ROLLED_BACK: Reply = {
  code: 0,
  stdout: '{"outcome":"rolled-back","release":"old"}',
  stderr: "",
};
const deployed = (time: string): Receipt => ({ action: "deploy", outcome: "deployed", time });

/** A repository root whose only AWS stack is prod (Pulumi.prod.yaml). */
let root = "";

/**
 * Fake deps: `receipts(upStart)` gives each host's last receipt, where `upStart` is when the fake
 * `pulumi up` ran (0 when none ran); a host missing from it cannot be reached.
 */
function fakeDeps(
  receipts: (upStart: number) => Record<string, Receipt | null>,
  options: { upExit?: number; rollbackOf?: (host: string) => Reply } = {},
) {
  const out: string[] = [];
  const err: string[] = [];
  const rolledBack: string[] = [];
  const sshCalls: string[][] = [];
  const resolved: { stack: string; identity?: string }[] = [];
  let upStart = 0;
  const hostOf = (argv: string[]) => {
    const address = (argv.find((a) => a.startsWith("ec2-user@")) ?? "").slice("ec2-user@".length);
    return TARGET.hosts.find((h) => h.address === address)?.name ?? "?";
  };
  const deps: CliDeps = {
    resolveTarget: (stack, { identity }) => {
      resolved.push({ stack, identity });
      if (stack !== "prod")
        throw new CliError(`unknown stack "${stack}": use one of local, prod, staging`, 2);
      return {
        ...TARGET,
        access: { ...TARGET.access, ...(identity ? { identityFile: identity } : {}) },
      };
    },
    capture: async (argv) => {
      sshCalls.push(argv);
      const host = hostOf(argv);
      const remote = argv[argv.length - 1] ?? "";
      if (remote.includes(" rollback ")) {
        rolledBack.push(host);
        return (options.rollbackOf ?? (() => ROLLED_BACK))(host);
      }
      assert.match(remote, / status --app shop --stack prod$/);
      const all = receipts(upStart);
      if (!(host in all))
        return {
          code: 255,
          stdout: "",
          stderr: `ssh: connect to host ${argv.find((a) => a.startsWith("ec2-user@"))} port 22: Connection timed out`,
        };
      return {
        code: 0,
        stdout: JSON.stringify({ host, healthy: true, containers: [], lastReceipt: all[host] }),
        stderr: "",
      };
    },
    stream: async () => 0,
    interactive: async (argv) => {
      assert.deepEqual(argv.slice(0, 4), ["pulumi", "up", "--stack", "prod"]);
      upStart = Date.now();
      return options.upExit ?? 1;
    },
    pulumi: () => ({ status: null, stdout: "", stderr: "", missing: true }),
    root,
    out: (t) => out.push(t),
    err: (t) => err.push(t),
  };
  return { deps, out, err, rolledBack, resolved, sshCalls };
}

const FLEET = () => ({
  "host-1": deployed(at(70_000)),
  "host-2": deployed(at(100_500)),
  "host-3": { action: "deploy", outcome: "failed", time: at(120_000) },
  "host-4": deployed("2026-11-01T00:00:00Z"),
});

describe("berth switch-back -s <stack> --since <time>", () => {
  before(() => {
    root = mkdtempSync(join(tmpdir(), "berth-cli-switch-back-command-"));
    writeFileSync(join(root, "Pulumi.prod.yaml"), "config:\n  berth:app: shop\n");
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it("switches back, at once, the hosts deployed since --since, and says what it did (exit 0)", async () => {
    const { deps, err, out, rolledBack } = fakeDeps(FLEET);
    assert.equal(await main(["switch-back", "-s", "prod", "--since", SINCE], deps), 0);
    assert.deepEqual(rolledBack.sort(), ["host-1", "host-2"]);
    assert.deepEqual(out, []);
    assert.equal(err[0], `berth: looking for hosts that took a release since ${SINCE}`);
    assert.equal(err[1], "rolling back host-1, host-2 at once");
    assert.match(
      err[err.length - 1] ?? "",
      /^berth: switched back host-1, host-2 \(deployed during this up\) in \d+ ms; left as they are: host-3 \(last receipt: deploy failed\), host-4 \(deployed before this up, at 2026-11-01T00:00:00Z\)$/,
    );
  });

  it("counts a receipt up to CLOCK_SKEW_MS before --since, and no earlier", async () => {
    const { deps, rolledBack } = fakeDeps(() => ({
      "host-1": deployed(at(-CLOCK_SKEW_MS)),
      "host-2": deployed(at(-CLOCK_SKEW_MS - 1)),
      "host-3": null,
      "host-4": deployed(at(0)),
    }));
    assert.equal(await main(["switch-back", "-s", "prod", "--since", SINCE], deps), 0);
    assert.deepEqual(rolledBack.sort(), ["host-1", "host-4"]);
  });

  it("prints, after its first line, the same lines as berth deploy after a failed up", async () => {
    // The same fleet, once behind deploy's own failed up and once given the up's start.
    const relative = (upStart: number) => ({
      "host-1": deployed(new Date(upStart + 2000).toISOString()),
      "host-2": deployed(new Date(upStart + 3000).toISOString()),
      "host-3": {
        action: "deploy",
        outcome: "failed",
        time: new Date(upStart + 4000).toISOString(),
      },
      "host-4": deployed("2026-11-01T00:00:00Z"),
    });
    const viaDeploy = fakeDeps(relative, { upExit: 255 });
    assert.equal(await main(["deploy", "-s", "prod"], viaDeploy.deps), 255);

    const start = Date.now() - 60_000;
    const since = new Date(start).toISOString();
    const viaCommand = fakeDeps(() => relative(start));
    assert.equal(await main(["switch-back", "-s", "prod", "--since", since], viaCommand.deps), 0);

    const sameMs = (lines: string[]) => lines.map((l) => l.replace(/ in \d+ ms/, " in N ms"));
    assert.equal(
      viaDeploy.err[0],
      "berth: pulumi up failed (exit 255); looking for hosts that took the release before the failure",
    );
    assert.equal(viaCommand.err[0], `berth: looking for hosts that took a release since ${since}`);
    assert.deepEqual(sameMs(viaCommand.err.slice(1)), sameMs(viaDeploy.err.slice(1)));
    assert.ok(viaCommand.err.length >= 3);
    assert.deepEqual(viaCommand.rolledBack.sort(), viaDeploy.rolledBack.sort());
  });

  it("exits 1 and names the retry when a host cannot be switched back", async () => {
    const { deps, err } = fakeDeps(FLEET, {
      rollbackOf: (host) =>
        host === "host-2"
          ? {
              code: 3,
              stdout: '{"outcome":"failed","reason":"a deploy holds the lock"}',
              stderr: "",
            }
          : ROLLED_BACK,
    });
    assert.equal(await main(["switch-back", "-s", "prod", "--since", SINCE], deps), 1);
    assert.match(
      err[err.length - 1] ?? "",
      /^berth: switched back host-1 \(deployed during this up\) in \d+ ms; switch-back FAILED, still on the new release: host-2: rollback failed \(locked\): a deploy holds the lock \(retry: berth rollback -s prod --host host-2\); left as they are: /,
    );
  });

  it("exits 0 and says so when no host took a release since --since", async () => {
    const { deps, err, rolledBack } = fakeDeps(() => ({
      "host-1": { action: "deploy", outcome: "failed", time: at(1000) },
      "host-2": deployed("2026-11-01T00:00:00Z"),
      "host-3": { action: "deploy", outcome: "unchanged", time: at(2000) },
      "host-4": null,
    }));
    assert.equal(await main(["switch-back", "-s", "prod", "--since", SINCE], deps), 0);
    assert.deepEqual(rolledBack, []);
    assert.equal(
      err[err.length - 1],
      "berth: no host took a release during this up, nothing to switch back; left as they are: host-1 (last receipt: deploy failed), host-2 (deployed before this up, at 2026-11-01T00:00:00Z), host-3 (last receipt: deploy unchanged), host-4 (no receipt)",
    );
  });

  it("exits 1 when a host's status cannot be read: nobody knows what it runs", async () => {
    // host-4 is missing from the receipts: its SSH connection times out.
    const { deps, err, rolledBack } = fakeDeps(() =>
      Object.fromEntries(Object.entries(FLEET()).filter(([host]) => host !== "host-4")),
    );
    assert.equal(await main(["switch-back", "-s", "prod", "--since", SINCE], deps), 1);
    assert.deepEqual(rolledBack.sort(), ["host-1", "host-2"]);
    assert.match(
      err[err.length - 1] ?? "",
      /; left as they are: host-3 \(last receipt: deploy failed\), host-4 \(status unreadable: .*Connection timed out\)$/,
    );
  });

  it("exits 1 with deploy's line when the stack's hosts cannot be listed", async () => {
    const { deps, err, rolledBack } = fakeDeps(FLEET);
    deps.resolveTarget = () => {
      throw new CliError('stack "prod" has no "hosts" output: run pulumi up -s prod first');
    };
    assert.equal(await main(["switch-back", "-s", "prod", "--since", SINCE], deps), 1);
    assert.deepEqual(rolledBack, []);
    assert.equal(
      err[err.length - 1],
      'berth: the switch-back after the failed up stopped: stack "prod" has no "hosts" output: run pulumi up -s prod first; see what each host runs with berth status -s prod',
    );
  });

  it("takes the SSH key from -i after the command, as the Deploy workflow passes it", async () => {
    const { deps, resolved, sshCalls } = fakeDeps(FLEET);
    const argv = ["switch-back", "-s", "prod", "--since", SINCE, "-i", "/tmp/key"];
    assert.equal(await main(argv, deps), 0);
    assert.deepEqual(resolved, [{ stack: "prod", identity: "/tmp/key" }]);
    assert.equal(sshCalls.length, 6, "4 status reads and 2 rollbacks");
    for (const call of sshCalls) assert.equal(call[call.indexOf("-i") + 1], "/tmp/key");
  });

  it("accepts the time the Deploy workflow records (date -u +%Y-%m-%dT%H:%M:%SZ)", async () => {
    const { deps, rolledBack } = fakeDeps(FLEET);
    assert.match(SINCE, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    assert.equal(await main(["switch-back", "-s", "prod", "--since", SINCE], deps), 0);
    assert.equal(rolledBack.length, 2);
  });

  describe("usage errors: one line naming the flag, exit 2, no host read", () => {
    async function usage(argv: string[]): Promise<string[]> {
      const { deps, err, resolved, rolledBack } = fakeDeps(FLEET);
      assert.equal(await main(argv, deps), 2, argv.join(" "));
      assert.deepEqual(resolved, [], "no stack resolved, no host read");
      assert.deepEqual(rolledBack, []);
      return err;
    }

    it("without --since", async () => {
      assert.deepEqual(await usage(["switch-back", "-s", "prod"]), [
        "berth: switch-back needs --since <time>: when the failed pulumi up started, an ISO 8601 time with a zone (e.g. --since 2026-11-30T12:00:00Z)",
      ]);
    });

    for (const [value, why] of [
      ["yesterday", "an ISO 8601 time with a zone"],
      ["", "an ISO 8601 time with a zone"],
      ["2026-11-30 12:00:00", "an ISO 8601 time with a zone"],
      ["2026-11-30T12:00:00", "an ISO 8601 time with a zone"],
      ["1796040000", "an ISO 8601 time with a zone"],
      ["2026-02-31T00:00:00Z", "a real date and time"],
      ["2026-11-30T24:00:00Z", "a real date and time"],
      ["2026-13-01T00:00:00Z", "a real date and time"],
    ]) {
      it(`with --since ${JSON.stringify(value)}`, async () => {
        const err = await usage(["switch-back", "-s", "prod", "--since", value as string]);
        assert.equal(err.length, 1, err.join("\n"));
        assert.ok(
          (err[0] ?? "").startsWith(`berth: --since must be ${why}`),
          `${err[0]} starts with --since must be ${why}`,
        );
        assert.ok((err[0] ?? "").endsWith(`(got ${JSON.stringify(value)})`));
      });
    }

    it("with --since in the future", async () => {
      const later = new Date(Date.now() + 3_600_000).toISOString();
      const err = await usage(["switch-back", "-s", "prod", "--since", later]);
      assert.equal(err.length, 1);
      assert.match(
        err[0] ?? "",
        /^berth: --since must be the time the failed up started, not in the future \(now is .*\) \(got ".*"\)$/,
      );
    });

    it("with an unknown stack", async () => {
      assert.deepEqual(await usage(["switch-back", "-s", "production", "--since", SINCE]), [
        'berth: unknown stack "production": use one of local, prod (AWS stacks are the Pulumi.<stack>.yaml files in the repository root)',
      ]);
    });
  });

  it("parses the ISO forms it documents, and is listed in help", async () => {
    const now = Date.parse("2026-12-01T00:00:00Z");
    for (const value of [
      "2026-11-30T12:00:00Z",
      "2026-11-30T12:00Z",
      "2026-11-30T12:00:00.123Z",
      "2026-11-30T13:00:00+01:00",
      "2026-11-30T07:00:00-0500",
      "2024-02-29T00:00:00Z",
    ])
      assert.equal(parseSince(value, now), value);
    assert.throws(() => parseSince("2026-11-30T12:00:06Z", Date.parse(SINCE)), /in the future/);
    assert.equal(parseSince("2026-11-30T12:00:05Z", Date.parse(SINCE)), "2026-11-30T12:00:05Z");

    const { deps, out } = fakeDeps(FLEET);
    assert.equal(await main(["switch-back", "--help"], deps), 0);
    assert.match(out.join("\n"), /Usage: berth switch-back/);
    assert.ok(out.join("\n").includes("--since <time>"));
  });
});
