import assert from "node:assert/strict";
import { createServer, Server } from "node:http";
import { AddressInfo } from "node:net";
import { errorKind, FetchLike, formatLoad, LoadCounter, loadProblem, startLoad } from "../aws/load";

describe("AWS acceptance test: the load counter", () => {
  it("counts 2xx, other statuses and errors; failed is everything but 2xx", () => {
    const counter = new LoadCounter();
    for (let i = 0; i < 7; i++) counter.sent();
    counter.record({ kind: "status", status: 200 }, 0.1);
    counter.record({ kind: "status", status: 204 }, 0.2);
    counter.record({ kind: "status", status: 502 }, 1.25);
    counter.record({ kind: "status", status: 502 }, 1.5);
    counter.record({ kind: "status", status: 301 }, 2);
    counter.record({ kind: "error", error: "ECONNRESET" }, 3);
    assert.deepEqual(counter.summary(), {
      sent: 7,
      ok: 2,
      non2xx: 3,
      errors: 1,
      failed: 4,
      pending: 1,
      statuses: { "502": 2, "301": 1 },
      errorKinds: { ECONNRESET: 1 },
      firstFailures: ["+1.3s 502", "+1.5s 502", "+2.0s 301", "+3.0s ECONNRESET"],
    });
  });

  it("keeps only the first five failures as samples", () => {
    const counter = new LoadCounter();
    for (let i = 0; i < 9; i++) {
      counter.sent();
      counter.record({ kind: "error", error: "timeout" }, i);
    }
    const summary = counter.summary();
    assert.equal(summary.errors, 9);
    assert.deepEqual(summary.firstFailures, [
      "+0.0s timeout",
      "+1.0s timeout",
      "+2.0s timeout",
      "+3.0s timeout",
      "+4.0s timeout",
    ]);
  });

  it("summarises in one line, and judges against the failures allowed", () => {
    const clean = new LoadCounter();
    for (let i = 0; i < 3; i++) {
      clean.sent();
      clean.record({ kind: "status", status: 200 }, i);
    }
    assert.equal(formatLoad(clean.summary()), "3 sent, 3 2xx, 0 failed");
    assert.equal(loadProblem(clean.summary(), 0), undefined);

    const dirty = new LoadCounter();
    for (const status of [200, 503, 200]) {
      dirty.sent();
      dirty.record({ kind: "status", status }, 4);
    }
    dirty.sent();
    dirty.record({ kind: "error", error: "timeout" }, 5);
    dirty.sent();
    const line = formatLoad(dirty.summary());
    assert.equal(
      line,
      "5 sent, 2 2xx, 2 failed (503 x1, timeout x1); first: +4.0s 503, +5.0s timeout, 1 unanswered",
    );
    assert.equal(loadProblem(dirty.summary(), 2), undefined);
    assert.equal(loadProblem(dirty.summary(), 1), `2 of 5 requests failed (allowed: 1): ${line}`);
    assert.equal(
      loadProblem(new LoadCounter().summary(), 0),
      "no request was sent during the rollout",
    );
  });

  it("names errors by kind: timeout, socket code, or name", () => {
    assert.equal(errorKind(Object.assign(new Error("t"), { name: "TimeoutError" })), "timeout");
    assert.equal(
      errorKind(new TypeError("fetch failed", { cause: { code: "ECONNREFUSED" } })),
      "ECONNREFUSED",
    );
    assert.equal(
      errorKind(Object.assign(new Error("x"), { code: "UND_ERR_SOCKET" })),
      "UND_ERR_SOCKET",
    );
    assert.equal(errorKind(new RangeError("x")), "RangeError");
    assert.equal(errorKind(undefined), "error");
  });
});

describe("AWS acceptance test: the load runner (bounded)", () => {
  it("sends at the rate asked, stops by itself at maxSeconds, counts every answer", async function () {
    this.timeout(5000);
    let n = 0;
    const fakeFetch: FetchLike = async () => {
      n++;
      const status = n % 10 === 0 ? 502 : 200;
      return { status, arrayBuffer: async () => new ArrayBuffer(0) };
    };
    const started = Date.now();
    const run = startLoad({
      url: "http://127.0.0.1:9/",
      ratePerSecond: 50,
      maxSeconds: 0.4,
      requestTimeoutMs: 1000,
      maxInFlight: 100,
      fetch: fakeFetch,
    });
    await new Promise((r) => setTimeout(r, 700));
    const summary = await run.stop();
    assert.equal(summary.sent, 20, "rate x maxSeconds, then no more");
    assert.equal(summary.ok + summary.failed, summary.sent);
    assert.equal(summary.non2xx, 2);
    assert.ok(Date.now() - started < 2000);
  });

  it("stops when asked, waiting for the requests in flight", async () => {
    let answered = 0;
    const slowFetch: FetchLike = async () => {
      await new Promise((r) => setTimeout(r, 100));
      answered++;
      return { status: 200, arrayBuffer: async () => new ArrayBuffer(0) };
    };
    const run = startLoad({
      url: "http://127.0.0.1:9/",
      ratePerSecond: 20,
      maxSeconds: 60,
      requestTimeoutMs: 1000,
      maxInFlight: 100,
      fetch: slowFetch,
    });
    await new Promise((r) => setTimeout(r, 220));
    const summary = await run.stop();
    assert.ok(summary.sent >= 3 && summary.sent <= 12, `sent ${summary.sent}`);
    assert.equal(summary.pending, 0);
    assert.equal(answered, summary.sent);
  });

  it("does not pile up requests on a target that stopped answering: they fail", async () => {
    const hanging: FetchLike = (_url, init) =>
      new Promise((_resolve, reject) => {
        init.signal.addEventListener("abort", () => reject(init.signal.reason));
      });
    const run = startLoad({
      url: "http://127.0.0.1:9/",
      ratePerSecond: 50,
      maxSeconds: 0.2,
      requestTimeoutMs: 150,
      maxInFlight: 3,
      fetch: hanging,
    });
    await new Promise((r) => setTimeout(r, 300));
    const summary = await run.stop();
    assert.equal(summary.sent, 10);
    assert.equal(summary.ok, 0);
    assert.ok((summary.errorKinds["in-flight limit"] ?? 0) >= 1, formatLoad(summary));
    assert.equal(summary.failed, summary.sent);
    assert.ok((summary.errorKinds.timeout ?? 0) >= 1);
    assert.equal(summary.pending, 0);
  });

  describe("against a real HTTP server on 127.0.0.1", () => {
    let server: Server;
    let url: string;
    let requests = 0;
    before(async () => {
      server = createServer((req, res) => {
        requests++;
        if (requests % 5 === 0) res.writeHead(503).end("draining");
        else if (requests % 7 === 0) req.socket.destroy();
        else res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    });
    after(async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    });

    it("counts 200s, 503s and dropped connections", async function () {
      this.timeout(5000);
      const run = startLoad({
        url,
        ratePerSecond: 50,
        maxSeconds: 0.6,
        requestTimeoutMs: 1000,
        maxInFlight: 20,
      });
      await new Promise((r) => setTimeout(r, 800));
      const summary = await run.stop();
      assert.equal(summary.sent, 30);
      assert.equal(summary.pending, 0);
      assert.equal(summary.ok + summary.non2xx + summary.errors, 30);
      assert.ok(summary.statuses["503"]! >= 1, formatLoad(summary));
      assert.ok(summary.errors >= 1, formatLoad(summary));
      assert.ok(summary.ok >= 15, formatLoad(summary));
    });
  });
});
