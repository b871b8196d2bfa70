import * as assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { boundedLatency, closedLoop } from "../../bench/src/load";
import { summarizeTraffic } from "../../bench/src/stats";

describe("bench load: latency per request", () => {
  it("takes the smaller bound, and autocannon's own figure for a connection's first response", () => {
    assert.equal(boundedLatency(7.5, 2.5), 2.5);
    assert.equal(boundedLatency(1.5, 40), 1.5);
    assert.equal(boundedLatency(3, null), 3);
  });

  it("stays true when the server closes keep-alive connections every few requests (as nginx does)", async function () {
    this.timeout(10000);
    const answerAfterMs = 3;
    // Like nginx's keepalive_requests: the 10th response on a connection closes it.
    const served = new WeakMap<object, number>();
    const server = http.createServer((req, res) => {
      const count = (served.get(req.socket) ?? 0) + 1;
      served.set(req.socket, count);
      if (count % 10 === 0) res.setHeader("Connection", "close");
      setTimeout(() => res.end("ok"), answerAfterMs);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const result = await closedLoop(`http://127.0.0.1:${port}/`, 1, 2);
      const traffic = summarizeTraffic(result.samples);
      assert.ok(traffic.ok > 100, `too few responses to judge: ${traffic.ok}`);
      // One connection, one request at a time: latencies cannot add up to more than the run.
      const meanCeilingMs = (result.durationMs / traffic.ok) * 1.1;
      assert.ok(
        traffic.latencyMs.p50 !== null && traffic.latencyMs.p50 < meanCeilingMs,
        `p50 ${traffic.latencyMs.p50} ms, yet ${traffic.ok} responses in 2 s on one connection`,
      );
      assert.ok(traffic.latencyMs.p50! >= answerAfterMs, `p50 ${traffic.latencyMs.p50} ms`);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
