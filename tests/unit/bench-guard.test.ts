import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as net from "node:net";
import { countFiveXx, failuresAround, healthyButFailing } from "../../bench/src/guard";
import { rollbackStarts } from "../../bench/src/rollback";
import { allServingAfter, servedDigest } from "../../bench/src/serving";

const IMAGE = `reg:5000/berth/app@sha256:${"a".repeat(64)}`;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("bench guard scenario: the release that is healthy and fails real traffic", () => {
  it("answers 200 on the health path and on the allowed paths, 500 on every other route", async function () {
    this.timeout(10_000);
    const port = await freePort();
    const [command, ...args] = healthyButFailing(["/"]);
    const child = spawn(command as string, args, {
      env: { ...process.env, PORT: String(port), HEALTH_PATH: "/up" },
      stdio: "ignore",
    });
    try {
      const status = async (path: string) => {
        for (let i = 0; i < 50; i++) {
          try {
            return (await fetch(`http://127.0.0.1:${port}${path}`)).status;
          } catch {
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        }
        throw new Error("the server never answered");
      };
      assert.equal(await status("/up"), 200);
      assert.equal(await status("/"), 200);
      assert.equal(await status("/?q=1"), 200);
      assert.equal(await status("/version"), 500);
      assert.equal(await status("/healthz"), 500);
    } finally {
      child.kill();
    }
  });

  it("splits the requests without a 2xx at the switch-back moment; 2xx answers never count", () => {
    const samples = [
      { atMs: 100, latencyMs: 1, status: 200 },
      { atMs: 200, latencyMs: 1, status: 500 },
      { atMs: 300, latencyMs: null, status: null },
      { atMs: 300, latencyMs: 1, status: 500 },
      { atMs: 301, latencyMs: 1, status: 502 },
      { atMs: 400, latencyMs: 1, status: 200 },
    ];
    assert.deepEqual(failuresAround(samples, 300), { before: 3, after: 1 });
    // No known moment: every failure counts as before it.
    assert.deepEqual(failuresAround(samples, null), { before: 4, after: 0 });
  });
});

describe("bench guard scenario: what the bad release answered, by its host's nginx log", () => {
  it("counts the logged requests on the path and their 5xx, skipping other paths and non-JSON lines", () => {
    const log = [
      '{"time":"t","path":"/version","status":200}',
      '{"time":"t","path":"/version","status":500}',
      '{"time":"t","path":"/healthz","status":200}',
      "nginx: [notice] signal process started",
      '{"time":"t","path":"/version","status":502}',
      "",
    ].join("\n");
    assert.deepEqual(countFiveXx(log, "/version"), { requests: 3, errors: 2 });
  });
});

describe("bench rollback: timed to every host serving the previous release", () => {
  it("reads the digest only from a 200 answer with the app's JSON", () => {
    assert.equal(servedDigest(200, JSON.stringify({ release: "r", digest: IMAGE })), IMAGE);
    assert.equal(servedDigest(500, JSON.stringify({ digest: IMAGE })), null);
    assert.equal(servedDigest(200, '{"path":"/version"}'), null);
    assert.equal(servedDigest(200, "<html>"), null);
  });

  it("takes the last host's first moment, and nothing when a host never served it", () => {
    assert.equal(allServingAfter([1300, 1800, 1500], 1000), 800);
    assert.equal(allServingAfter([1300, null, 1500], 1000), null);
    assert.equal(allServingAfter([], 1000), null);
  });

  it("starts every host at once in parallel, each after the one before it otherwise", () => {
    assert.deepEqual(rollbackStarts(1000, [500, 700, 600], false), [1000, 1000, 1000]);
    assert.deepEqual(rollbackStarts(1000, [500, 700, 600], true), [1000, 1500, 2200]);
    assert.deepEqual(rollbackStarts(1000, [], true), []);
  });
});
