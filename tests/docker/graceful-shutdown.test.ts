import assert from "node:assert/strict";
import { docker, waitForExit } from "../support/docker";
import { jsonLogs, startStack, Stack, stopStack } from "./fixture";
import { request } from "./http";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the app's graceful shutdown on SIGTERM", function () {
  let stack: Stack;

  afterEach(async function () {
    this.timeout(60_000);
    await stopStack(stack);
  });

  it("turns /healthz to 503 first, stops accepting, lets an in-flight request finish and exits 0", async function () {
    this.timeout(900_000);
    stack = await startStack("drain", {
      env: { SHUTDOWN_DRAIN_DELAY_MS: "1500", SHUTDOWN_TIMEOUT_MS: "10000" },
    });
    const slowStarted = Date.now();
    const slow = request(`${stack.url}/slow?ms=4000`, { timeoutMs: 20_000 }).then((response) => ({
      response,
      at: Date.now(),
    }));
    await sleep(500); // the slow request is in the app now

    await docker(["kill", "--signal", "TERM", stack.app]);
    const signalled = Date.now();
    // Poll /healthz through nginx while the slow request is still in flight.
    const seen: { status: number; at: number }[] = [];
    while (Date.now() - slowStarted < 3500) {
      const health = await request(`${stack.url}/healthz`, { timeoutMs: 5000 });
      seen.push({ status: health.status, at: Date.now() });
      await sleep(100);
    }
    const { response, at: slowFinished } = await slow;
    const exitCode = await waitForExit(stack.app);
    const exited = Date.now();

    assert.equal(response.status, 200, "the in-flight request finished normally");
    assert.deepEqual(response.json(), { sleptMs: 4000 });
    const statuses = seen.map((entry) => entry.status);
    assert.equal(statuses[0], 503, `first /healthz after SIGTERM: ${statuses.join(",")}`);
    const firstRefused = statuses.indexOf(502);
    assert.ok(
      firstRefused > 0,
      `after the drain delay nginx cannot connect: ${statuses.join(",")}`,
    );
    assert.ok(statuses.slice(0, firstRefused).every((status) => status === 503));
    assert.ok(statuses.slice(firstRefused).every((status) => status === 502));
    assert.ok(seen[firstRefused]!.at < slowFinished, "stopped accepting while the request ran");

    assert.equal(exitCode, 0);
    assert.ok(exited - signalled < 10_000, `exited ${exited - signalled} ms after SIGTERM`);
    const messages = (await jsonLogs(stack.app)).map((line) => line.msg);
    assert.deepEqual(
      messages.filter((msg) => msg !== "request"),
      [
        "listening",
        "draining",
        "no longer accepting connections; waiting for in-flight requests",
        "stopped",
      ],
    );
    const slowLine = (await jsonLogs(stack.app)).find((line) => line.path === "/slow");
    assert.equal(slowLine?.status, 200);
    assert.equal(slowLine?.completed, true);
  });

  it("cuts requests still open at SHUTDOWN_TIMEOUT_MS and exits 1", async function () {
    this.timeout(900_000);
    stack = await startStack("cutoff", {
      env: { SHUTDOWN_DRAIN_DELAY_MS: "0", SHUTDOWN_TIMEOUT_MS: "1500" },
    });
    const slow = request(`${stack.url}/slow?ms=20000`, { timeoutMs: 30_000 });
    await sleep(500);
    const signalled = Date.now();
    await docker(["kill", "--signal", "TERM", stack.app]);
    const exitCode = await waitForExit(stack.app);
    const tookMs = Date.now() - signalled;
    const response = await slow;

    assert.equal(exitCode, 1);
    assert.ok(tookMs >= 1400 && tookMs < 5000, `exited ${tookMs} ms after SIGTERM`);
    assert.equal(response.status, 502, "nginx reports the cut request");
    const logs = await jsonLogs(stack.app);
    assert.ok(
      logs.some((line) => line.msg === "shutdown timeout reached, closing open connections"),
    );
  });
});
