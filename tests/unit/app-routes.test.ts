import assert from "node:assert/strict";
import { createServer, Server } from "node:http";
import { AddressInfo } from "node:net";
import type { WebConfig } from "../../app-image/src/config";
import { createRequestHandler, ServiceState } from "../../app-image/src/routes";

const config: WebConfig = {
  release: "r-unit",
  digest: `sha256:${"1".repeat(64)}`,
  port: 0,
  healthPath: "/healthz",
  shutdownTimeoutMs: 8000,
  keepAliveTimeoutMs: 65_000,
  headersTimeoutMs: 15_000,
  drainDelayMs: 0,
  slowMaxMs: 500,
  cpuMaxMs: 20,
};

describe("the app's routes (handler in-process, no proxy)", function () {
  const state: ServiceState = { draining: false };
  let server: Server;
  let base: string;
  const logged: string[] = [];
  const realWrite = process.stdout.write.bind(process.stdout);

  before(async function () {
    server = createServer(createRequestHandler(config, state));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  beforeEach(function () {
    logged.length = 0;
    process.stdout.write = ((chunk: string) => {
      if (chunk.startsWith('{"time"')) logged.push(chunk);
      else realWrite(chunk);
      return true;
    }) as typeof process.stdout.write;
  });

  afterEach(function () {
    process.stdout.write = realWrite;
    state.draining = false;
  });

  after(function () {
    server.closeAllConnections();
    server.close();
  });

  it("/version answers the release and digest from the config", async function () {
    const response = await fetch(`${base}/version`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { release: "r-unit", digest: config.digest });
  });

  it("/healthz answers 200, then 503 with Connection: close once draining", async function () {
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    state.draining = true;
    const draining = await fetch(`${base}/healthz`);
    assert.equal(draining.status, 503);
    assert.deepEqual(await draining.json(), { status: "draining" });
    assert.equal(draining.headers.get("connection"), "close");
  });

  it("answers readiness on the configured HEALTH_PATH, not on /healthz", async function () {
    const custom = createServer(
      createRequestHandler({ ...config, healthPath: "/up" }, { draining: false }),
    );
    await new Promise<void>((resolve) => custom.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(custom.address() as AddressInfo).port}`;
      assert.equal((await fetch(`${url}/up`)).status, 200);
      assert.equal((await fetch(`${url}/healthz`)).status, 404);
    } finally {
      await new Promise((resolve) => custom.close(resolve));
    }
  });

  it("/slow is bounded by SLOW_MAX_MS", async function () {
    assert.deepEqual(await (await fetch(`${base}/slow?ms=20`)).json(), { sleptMs: 20 });
    const tooLong = await fetch(`${base}/slow?ms=501`);
    assert.equal(tooLong.status, 400);
    assert.match(((await tooLong.json()) as { message: string }).message, /0 to 500/);
  });

  it("/cpu spends ?ms of the process's CPU, bounded by CPU_MAX_MS", async function () {
    await fetch(`${base}/cpu?ms=0`); // calibrates
    const before = process.cpuUsage();
    const answer = (await (await fetch(`${base}/cpu?ms=10`)).json()) as { cpuMs: number };
    const spent = process.cpuUsage(before);
    assert.equal(answer.cpuMs, 10);
    // The work is calibrated on the fastest batch: about 10 ms, 8 at the very least.
    assert.ok(spent.user + spent.system >= 8000, `${spent.user + spent.system} µs of CPU`);
    const tooMuch = await fetch(`${base}/cpu?ms=21`);
    assert.equal(tooMuch.status, 400);
    assert.match(((await tooMuch.json()) as { message: string }).message, /0 to 20 \(CPU_MAX_MS\)/);
    assert.equal((await fetch(`${base}/cpu?ms=-1`)).status, 400);
  });

  it("/items answers ?count items and rejects a count over 1000", async function () {
    const items = (await (await fetch(`${base}/items?count=3`)).json()) as { items: unknown[] };
    assert.equal(items.items.length, 3);
    assert.equal((await fetch(`${base}/items?count=1001`)).status, 400);
  });

  it("logs one JSON line per request with method, path, status, duration and request id", async function () {
    await fetch(`${base}/items?count=1`, {
      headers: { "x-request-id": "req-123", "x-real-ip": "198.51.100.4" },
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const lines = logged
      .map((text) => JSON.parse(text) as Record<string, unknown>)
      .filter((entry) => entry.request_id === "req-123");
    assert.equal(lines.length, 1);
    const line = lines[0]!;
    assert.equal(line.msg, "request");
    assert.equal(line.method, "GET");
    assert.equal(line.path, "/items");
    assert.equal(line.status, 200);
    assert.equal(line.request_id, "req-123");
    assert.equal(line.client_ip, "198.51.100.4");
    assert.equal(typeof line.duration_ms, "number");
  });
});
