/**
 * `rollbackHosts`: the one switch-back behind `berth rollback` (local and AWS targets), the
 * executor's switch-back after a failed batch and `berth deploy`'s after a failed `pulumi up`.
 * Every host at once by default, where one host's failure stops no other; one at a time on request.
 */
import assert from "node:assert/strict";
import { rollbackHosts } from "../../cli/src/rollout";
import { Endpoint, HostOutput, HostRunner } from "../../cli/src/ssh";

const hosts: Endpoint[] = ["host-1", "host-2", "host-3"].map((name, i) => ({
  name,
  address: `10.0.0.${i + 1}`,
  port: 22,
  user: "ec2-user",
}));

const ROLLED_BACK: HostOutput = {
  code: 0,
  stdout:
    'progress\n{"outcome":"rolled-back","exitCode":0,"release":"aaaaaaaaaaaa-cccccccccccc"}\n',
  stderr: "",
};

/** Each rollback takes `ms`; records order, commands and how many ran at once. */
function fakeHosts(answer: (host: string) => HostOutput = () => ROLLED_BACK, ms = 60) {
  const started: string[] = [];
  const commands: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const run: HostRunner = async (host, command, stdin) => {
    assert.equal(stdin, "", "a rollback sends nothing on stdin");
    started.push(host.name);
    commands.push(command);
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((resolve) => setTimeout(resolve, ms));
    inFlight -= 1;
    return answer(host.name);
  };
  return { run, started, commands, maxInFlight: () => maxInFlight };
}

describe("rollback: every host at once by default", () => {
  it("starts every host's rollback before any ends, and times the whole fleet", async () => {
    const f = fakeHosts();
    const progress: string[] = [];
    const result = await rollbackHosts(hosts, "shop", "prod", f.run, {
      progress: (l) => progress.push(l),
    });
    assert.equal(result.ok, true, result.error ?? "");
    assert.equal(f.maxInFlight(), 3);
    assert.deepEqual(result.rolledBack, ["host-1", "host-2", "host-3"]);
    assert.deepEqual(result.failed, []);
    assert.deepEqual(result.untouched, []);
    assert.ok(
      result.ms >= 55 && result.ms < 170,
      `the fleet took ${result.ms} ms: one host's 60, not three`,
    );
    for (const c of f.commands)
      assert.equal(c, "sudo -n /usr/local/bin/berth-agent rollback --app shop --stack prod");
    assert.equal(progress[0], "rolling back host-1, host-2, host-3 at once");
    for (const name of ["host-1", "host-2", "host-3"])
      assert.ok(
        progress.some((l) =>
          new RegExp(`^${name}: back on aaaaaaaaaaaa-cccccccccccc in \\d+ ms$`).test(l),
        ),
        progress.join("\n"),
      );
  });

  it("a failing host stops no other, and the result names who went back and who failed", async () => {
    const f = fakeHosts((host) =>
      host === "host-2"
        ? {
            code: 1,
            stdout:
              '{"outcome":"failed","exitCode":1,"reason":"no previous release on this host"}\n',
            stderr: "",
          }
        : host === "host-3"
          ? {
              code: 3,
              stdout: '{"outcome":"failed","exitCode":3,"reason":"a deploy holds the lock"}\n',
              stderr: "",
            }
          : ROLLED_BACK,
    );
    const progress: string[] = [];
    const result = await rollbackHosts(hosts, "shop", "prod", f.run, {
      progress: (l) => progress.push(l),
    });
    assert.equal(result.ok, false);
    assert.deepEqual(f.started, ["host-1", "host-2", "host-3"]);
    assert.deepEqual(result.rolledBack, ["host-1"]);
    assert.deepEqual(result.failed, ["host-2", "host-3"]);
    assert.equal(
      result.error,
      "host-2: rollback failed: no previous release on this host; host-3: rollback failed (locked): a deploy holds the lock; rolled back: host-1",
    );
    assert.ok(
      progress.some((l) =>
        /^host-2: rollback failed: no previous release on this host \(after \d+ ms\)$/.test(l),
      ),
      progress.join("\n"),
    );
  });

  it("says an unreachable host is unreachable", async () => {
    const f = fakeHosts((host) =>
      host === "host-1"
        ? {
            code: 255,
            stdout: "",
            stderr: "ssh: connect to host 10.0.0.1 port 22: Connection timed out",
          }
        : ROLLED_BACK,
    );
    const result = await rollbackHosts(hosts, "shop", "prod", f.run);
    assert.deepEqual(result.rolledBack, ["host-2", "host-3"]);
    assert.match(
      result.error ?? "",
      /^host-1: unreachable over SSH: ssh: connect to host 10\.0\.0\.1/,
    );
  });
});

describe("rollback: one at a time on request", () => {
  it("one host after another", async () => {
    const f = fakeHosts();
    const result = await rollbackHosts(hosts, "shop", "prod", f.run, { oneAtATime: true });
    assert.equal(result.ok, true);
    assert.equal(f.maxInFlight(), 1);
    assert.deepEqual(f.started, ["host-1", "host-2", "host-3"]);
  });

  it("stops at the first failure and names the hosts it did not touch", async () => {
    const f = fakeHosts((host) =>
      host === "host-2"
        ? {
            code: 1,
            stdout: '{"outcome":"failed","reason":"no previous release on host-2"}',
            stderr: "",
          }
        : ROLLED_BACK,
    );
    const result = await rollbackHosts(hosts, "shop", "prod", f.run, { oneAtATime: true });
    assert.deepEqual(f.started, ["host-1", "host-2"]);
    assert.deepEqual(result.untouched, ["host-3"]);
    assert.equal(
      result.error,
      "host-2: rollback failed: no previous release on host-2; rolled back: host-1; not touched: host-3",
    );
  });
});
