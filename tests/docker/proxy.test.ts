import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { docker } from "../support/docker";
import {
  establishedConnections,
  execNode,
  jsonLogLine,
  jsonLogs,
  processUids,
  startStack,
  Stack,
  stopStack,
} from "./fixture";
import { HttpResponse, request } from "./http";

const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
};

function assertSecurityHeaders(response: HttpResponse): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
    assert.equal(response.headers[name], value, `${name} on a ${response.status}`);
  }
  assert.equal(response.headers.server, "nginx", "server_tokens off: no version");
}

describe("the app behind nginx on a private network", function () {
  let stack: Stack;

  before(async function () {
    this.timeout(900_000);
    stack = await startStack("proxy", { release: "proxy-release-1" });
  });

  after(async function () {
    this.timeout(60_000);
    await stopStack(stack);
  });

  describe("routes, through nginx", function () {
    it("GET / answers a JSON greeting with the release", async function () {
      const response = await request(`${stack.url}/`);
      assert.equal(response.status, 200);
      assert.match(String(response.headers["content-type"]), /^application\/json/);
      assert.deepEqual(response.json(), { message: "Hello from berth", release: stack.release });
    });

    it("GET /version answers the release and the image digest the container was started with", async function () {
      const response = await request(`${stack.url}/version`);
      assert.equal(response.status, 200);
      assert.deepEqual(response.json(), { release: stack.release, digest: stack.digest });
      assert.match(stack.digest, /^sha256:[0-9a-f]{64}$/);
    });

    it("GET /healthz is passed through to the app and answers 200 while it is ready", async function () {
      const response = await request(`${stack.url}/healthz`);
      assert.equal(response.status, 200);
      assert.deepEqual(response.json(), { status: "ok" });
      assert.equal(response.headers["cache-control"], "no-store");
    });

    it("GET /nginx-health answers from nginx itself", async function () {
      const response = await request(`${stack.url}/nginx-health`);
      assert.equal(response.status, 200);
      assert.deepEqual(response.json(), { status: "ok" });
    });

    it("GET /slow?ms=N holds the request for N ms; a bad N is a JSON 400", async function () {
      const started = Date.now();
      const response = await request(`${stack.url}/slow?ms=300`);
      assert.equal(response.status, 200);
      assert.deepEqual(response.json(), { sleptMs: 300 });
      assert.ok(Date.now() - started >= 300);
      const bad = await request(`${stack.url}/slow?ms=lots`);
      assert.equal(bad.status, 400);
      assert.equal(bad.json().error, "bad_request");
    });

    it("GET /cpu?ms=N spends N ms of the app's CPU; more than CPU_MAX_MS (20) is a JSON 400", async function () {
      // The server is the container's pid 1; utime + stime in clock ticks (1/100 s).
      const serverCpuMs = async () => {
        const stat = await execNode(
          stack.app,
          'process.stdout.write(require("fs").readFileSync("/proc/1/stat", "utf8"))',
        );
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        return (Number(fields[11]) + Number(fields[12])) * 10;
      };
      await request(`${stack.url}/cpu?ms=0`); // calibrates
      const before = await serverCpuMs();
      for (let i = 0; i < 10; i++) {
        const response = await request(`${stack.url}/cpu?ms=15`);
        assert.equal(response.status, 200);
        const body = response.json() as { cpuMs: number; rounds: number };
        assert.equal(body.cpuMs, 15);
        assert.ok(body.rounds > 0);
      }
      const spent = (await serverCpuMs()) - before;
      // About 150 ms (the work is calibrated on the fastest batch): 120 to 250 ms with the HTTP
      // handling and the scheduler's noise; twice as much would not be "about" any more.
      assert.ok(
        spent >= 120 && spent <= 250,
        `10 requests of 15 ms cost the server ${spent} ms of CPU`,
      );
      const tooMuch = await request(`${stack.url}/cpu?ms=21`);
      assert.equal(tooMuch.status, 400);
      const refusal = tooMuch.json() as { error: string; message: string };
      assert.equal(refusal.error, "bad_request");
      assert.match(refusal.message, /0 to 20/);
    });

    it("POST /echo gets the request body intact", async function () {
      const body = "x".repeat(100_000);
      const response = await request(`${stack.url}/echo`, { method: "POST", body });
      assert.equal(response.status, 200);
      assert.deepEqual(response.json(), {
        bytes: body.length,
        sha256: createHash("sha256").update(body).digest("hex"),
      });
    });

    it("an unknown path is the app's JSON 404, a wrong method its JSON 405", async function () {
      const missing = await request(`${stack.url}/no-such-page`);
      assert.equal(missing.status, 404);
      assert.deepEqual(missing.json(), { error: "not_found", path: "/no-such-page" });
      const wrongMethod = await request(`${stack.url}/version`, { method: "DELETE" });
      assert.equal(wrongMethod.status, 405);
      assert.equal(wrongMethod.headers.allow, "GET");
    });
  });

  describe("nginx's own behaviour", function () {
    it("gzips JSON for clients that accept it, and only for them", async function () {
      const zipped = await request(`${stack.url}/items?count=200`, {
        headers: { "accept-encoding": "gzip" },
      });
      assert.equal(zipped.status, 200);
      assert.equal(zipped.headers["content-encoding"], "gzip");
      assert.equal(zipped.headers.vary, "Accept-Encoding");
      const items = JSON.parse(gunzipSync(zipped.body).toString("utf8")) as { count: number };
      assert.equal(items.count, 200);
      assert.ok(zipped.body.length < gunzipSync(zipped.body).length / 3, "compressed well");

      const plain = await request(`${stack.url}/items?count=200`);
      assert.equal(plain.headers["content-encoding"], undefined);
      assert.equal(plain.json().count, 200);
    });

    it("adds the security headers to app responses and to its own errors", async function () {
      assertSecurityHeaders(await request(`${stack.url}/`));
      assertSecurityHeaders(await request(`${stack.url}/no-such-page`));
      const tooLarge = await request(`${stack.url}/echo`, {
        method: "POST",
        body: Buffer.alloc(2 * 1024 * 1024),
      });
      assertSecurityHeaders(tooLarge);
      assert.equal(
        (await request(`${stack.url}/`)).headers["strict-transport-security"],
        undefined,
      );
      const overHttps = await request(`${stack.url}/`, {
        headers: { "x-forwarded-proto": "https" },
      });
      assert.match(String(overHttps.headers["strict-transport-security"]), /^max-age=\d+/);
    });

    it("answers a body over client_max_body_size with a JSON 413, without bothering the app", async function () {
      const response = await request(`${stack.url}/echo?probe=too-large`, {
        method: "POST",
        body: Buffer.alloc(2 * 1024 * 1024),
      });
      assert.equal(response.status, 413);
      assert.match(String(response.headers["content-type"]), /^application\/json/);
      assert.equal(response.json().error, "payload_too_large");
      const appSaw = (await jsonLogs(stack.app)).filter(
        (line) => line.msg === "request" && line.path === "/echo",
      );
      assert.ok(
        appSaw.every((line) => line.status === 200),
        "no oversized body reached the app",
      );
    });

    it("logs one JSON line per request with request and upstream times; the app logs its duration", async function () {
      const response = await request(`${stack.url}/version?probe=access-log`);
      const requestId = String(response.headers["x-request-id"]);
      assert.match(requestId, /^[0-9a-f]{32}$/);
      const proxyLine = await jsonLogLine(stack.nginx, (line) => line.request_id === requestId);
      assert.ok(proxyLine, "nginx logged the request");
      // The path and the query's parameter names; never a value (tests/docker/access-log.test.ts).
      assert.equal(proxyLine.path, "/version");
      assert.equal(proxyLine.query_keys, "probe");
      assert.ok(!JSON.stringify(proxyLine).includes("access-log"), "no query value in the line");
      assert.equal(proxyLine.status, 200);
      assert.equal(typeof proxyLine.request_time, "number");
      assert.match(String(proxyLine.upstream_response_time), /^\d+\.\d{3}$/);
      assert.match(String(proxyLine.upstream_connect_time), /^\d+\.\d{3}$/);
      assert.match(String(proxyLine.upstream_addr), /:3000$/);

      const appLine = (await jsonLogs(stack.app)).find((line) => line.request_id === requestId);
      assert.ok(appLine, "the app logged the same request id");
      assert.equal(appLine.path, "/version");
      assert.equal(appLine.status, 200);
      assert.equal(typeof appLine.duration_ms, "number");
    });

    it("keeps connections to the app alive, and the app keeps them longer than nginx does", async function () {
      for (let i = 0; i < 5; i += 1) await request(`${stack.url}/`);
      const established = await establishedConnections(stack.app, 3000);
      assert.ok(established >= 1, "an idle upstream connection stays open after the requests");

      const upstream = await docker(["exec", stack.nginx, "cat", "/etc/nginx/berth/upstream.conf"]);
      const nginxUpstreamIdle = Number(/keepalive_timeout\s+(\d+)s;/.exec(upstream)?.[1]) * 1000;
      const listening = (await jsonLogs(stack.app)).find((line) => line.msg === "listening");
      const appKeepAlive = Number(listening?.keepAliveTimeoutMs);
      assert.ok(
        nginxUpstreamIdle > 0 && appKeepAlive > nginxUpstreamIdle,
        `${appKeepAlive} > ${nginxUpstreamIdle}`,
      );
    });

    it("runs both containers as non-root", async function () {
      const appUids = await processUids(stack.app);
      const nginxUids = await processUids(stack.nginx);
      assert.ok(appUids.length >= 4 && appUids.every((uid) => uid === 1000), `app uids ${appUids}`);
      assert.ok(
        nginxUids.length >= 8 && nginxUids.every((uid) => uid === 101),
        `nginx uids ${nginxUids}`,
      );
    });
  });

  describe("when the app is down", function () {
    it("answers a JSON 502", async function () {
      this.timeout(60_000);
      await docker(["stop", "--time", "10", stack.app]);
      const response = await request(`${stack.url}/`, { timeoutMs: 30_000 });
      assert.equal(response.status, 502);
      assert.match(String(response.headers["content-type"]), /^application\/json/);
      const body = response.json();
      assert.equal(body.error, "bad_gateway");
      assert.equal(body.request_id, response.headers["x-request-id"]);
      assertSecurityHeaders(response);
    });
  });
});
