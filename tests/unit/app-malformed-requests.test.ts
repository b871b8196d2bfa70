import assert from "node:assert/strict";
import { createServer, Server } from "node:http";
import { AddressInfo, Socket } from "node:net";
import { answerMalformedRequests } from "../../app-image/src/client-errors";
import type { WebConfig } from "../../app-image/src/config";
import { createRequestHandler, parseTarget } from "../../app-image/src/routes";
import { waitFor } from "../../fleet/src/wait";
import { sendRaw } from "../docker/raw-http";

const config: WebConfig = {
  release: "r-unit",
  digest: `sha256:${"1".repeat(64)}`,
  port: 0,
  healthPath: "/healthz",
  shutdownTimeoutMs: 8000,
  keepAliveTimeoutMs: 65_000,
  headersTimeoutMs: 500,
  drainDelayMs: 0,
  slowMaxMs: 500,
  cpuMaxMs: 20,
};

/** The web server as server.ts sets it up, on a random port. */
async function startServer(webConfig: WebConfig): Promise<{ server: Server; address: string }> {
  const server = createServer(
    { headersTimeout: webConfig.headersTimeoutMs, connectionsCheckingInterval: 100 },
    createRequestHandler(webConfig, { draining: false }),
  );
  server.keepAliveTimeout = webConfig.keepAliveTimeoutMs;
  answerMalformedRequests(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, address: `127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const send = (address: string, text: string) =>
  sendRaw(address, Buffer.from(text, "latin1"), { timeoutMs: 3000 });

/** The JSON body of a raw answer. */
const body = (text: string) => JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4)) as unknown;

describe("the app with malformed and hostile requests (in-process)", function () {
  let server: Server;
  let address: string;
  const realWrite = process.stdout.write.bind(process.stdout);

  before(async function () {
    ({ server, address } = await startServer(config));
  });

  beforeEach(function () {
    // The app's JSON log lines would clutter the test output.
    process.stdout.write = ((chunk: string) =>
      chunk.startsWith('{"time"') || realWrite(chunk)) as typeof process.stdout.write;
  });

  afterEach(function () {
    process.stdout.write = realWrite;
  });

  after(function () {
    server.closeAllConnections();
    server.close();
  });

  it("reads only origin-form targets, and //a:b as a path", function () {
    assert.equal(parseTarget("//a:b")?.pathname, "//a:b");
    assert.equal(parseTarget("/items?count=3")?.searchParams.get("count"), "3");
    for (const target of ["http://evil.example/", "*", "evil.example:443", "/a#b", "", undefined]) {
      assert.equal(parseTarget(target), null, String(target));
    }
  });

  it("answers GET //a:b with a 404 and keeps serving", async function () {
    const answer = await send(address, "GET //a:b HTTP/1.1\r\nHost: x\r\n\r\n");
    assert.equal(answer.status, 404);
    assert.deepEqual(body(answer.text), { error: "not_found", path: "//a:b" });
    assert.equal((await fetch(`http://${address}/`)).status, 200);
  });

  it("answers a target that is not origin-form, or a second Host, with a JSON 400", async function () {
    for (const head of [
      "GET http://evil.example/ HTTP/1.1\r\nHost: x",
      "GET * HTTP/1.1\r\nHost: x",
      "GET /version#x HTTP/1.1\r\nHost: x",
      "GET / HTTP/1.1\r\nHost: x\r\nHost: y",
      "GET / HTTP/1.1\r\nHost: x/y",
    ]) {
      const answer = await send(address, `${head}\r\n\r\n`);
      assert.equal(answer.status, 400, head);
      assert.equal((body(answer.text) as { error: string }).error, "bad_request", head);
    }
  });

  it("answers a declared body over 8 MiB with a 413 before reading it", async function () {
    const answer = await send(
      address,
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 9437184\r\n\r\n",
    );
    assert.equal(answer.status, 413);
    assert.match(answer.text, /\r\nConnection: close\r\n/i);
  });

  it("answers what Node's parser refuses with a minimal JSON error and closes", async function () {
    const cases: [string, number, string][] = [
      ["G@T / HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad_request"],
      [
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        400,
        "bad_request",
      ],
      [
        `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`,
        431,
        "headers_too_large",
      ],
      ["CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n", 400, "bad_request"],
    ];
    for (const [request, status, error] of cases) {
      const answer = await send(address, request);
      assert.equal(answer.status, status, request.slice(0, 40));
      assert.deepEqual(body(answer.text), { error });
      assert.match(answer.text, /\r\nConnection: close\r\n/);
    }
    assert.equal((await fetch(`http://${address}/`)).status, 200);
  });

  it("answers headers not finished within headersTimeout with a 408", async function () {
    const answer = await send(address, "GET / HTTP/1.1\r\nHost: x\r\n");
    assert.equal(answer.status, 408);
    assert.deepEqual(body(answer.text), { error: "request_timeout" });
  });

  it("keeps an idle keep-alive connection open past headersTimeout", async function () {
    const socket = new Socket();
    let received = "";
    socket.on("data", (chunk: Buffer) => (received += chunk.toString()));
    const answers = (count: number) =>
      waitFor(
        `${count} answers`,
        async () => received.split(" 200 OK").length > count || undefined,
        {
          timeoutMs: 2000,
          intervalMs: 20,
        },
      );
    const [host, port] = address.split(":");
    await new Promise<void>((resolve) => socket.connect(Number(port), host!, resolve));
    try {
      socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      await answers(1);
      await new Promise((resolve) => setTimeout(resolve, 3 * config.headersTimeoutMs));
      socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      await answers(2);
    } finally {
      socket.destroy();
    }
  });

  it("answers an exception in a handler with a 500 without details, and keeps serving", async function () {
    const throwing = await startServer({
      ...config,
      get release(): string {
        throw new Error("boom in /app/dist/routes.js:1:1");
      },
    });
    try {
      const answer = await send(throwing.address, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      assert.equal(answer.status, 500);
      assert.deepEqual(body(answer.text), { error: "internal_error" });
      assert.equal((await fetch(`http://${throwing.address}/healthz`)).status, 200);
    } finally {
      throwing.server.closeAllConnections();
      throwing.server.close();
    }
  });
});
