import assert from "node:assert/strict";
import { docker, waitFor, waitForExit } from "../support/docker";
import { establishedConnections, jsonLogs, startStack, Stack, stopStack } from "./fixture";
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
    await waitFor("the slow request to reach the app", async () =>
      (await establishedConnections(stack.app, 3000)) > 0 ? true : undefined,
    );

    await docker(["kill", "--signal", "TERM", stack.app]);
    // Poll /healthz through nginx while the slow request is still in flight.
    const seen: { status: number; at: number }[] = [];
    while (Date.now() - slowStarted < 3500) {
      const health = await request(`${stack.url}/healthz`, { timeoutMs: 5000 });
      seen.push({ status: health.status, at: Date.now() });
      await sleep(100);
    }
    const { response, at: slowFinished } = await slow;
    const exitCode = await waitForExit(stack.app);

    assert.equal(response.status, 200, "the in-flight request finished normally");
    assert.deepEqual(response.json(), { sleptMs: 4000 });
    const statuses = seen.map((entry) => entry.status);
    // 200 until the signal is handled (docker kill returns before that), then 503 (draining, still
    // accepting), then 502 (nginx can no longer connect): never back to ready, never 502 before 503.
    assert.match(statuses.join(","), /^(200,)*(503,)+(502,)*502$/);
    const firstRefused = statuses.indexOf(502);
    assert.ok(seen[firstRefused]!.at < slowFinished, "stopped accepting while the request ran");

    // 0, not 1: it finished before its own SHUTDOWN_TIMEOUT_MS cut-off (and docker's SIGKILL, 137).
    assert.equal(exitCode, 0);
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
    await waitFor("the slow request to reach the app", async () =>
      (await establishedConnections(stack.app, 3000)) > 0 ? true : undefined,
    );
    const signalled = Date.now();
    await docker(["kill", "--signal", "TERM", stack.app]);
    const exitCode = await waitForExit(stack.app);
    const tookMs = Date.now() - signalled;
    const response = await slow;

    assert.equal(exitCode, 1);
    assert.ok(tookMs >= 1400, `waited for SHUTDOWN_TIMEOUT_MS, exited ${tookMs} ms after SIGTERM`);
    assert.equal(response.status, 502, "nginx reports the cut request");
    const logs = await jsonLogs(stack.app);
    assert.ok(
      logs.some((line) => line.msg === "shutdown timeout reached, closing open connections"),
    );
  });
});
