import * as assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { floorScript } from "../../bench/src/floor";
import { changeOneLine, compressedSize, ONE_LINE_CHANGE, pushedBytes } from "../../bench/src/image";
import { renderMarkdown, table } from "../../bench/src/markdown";
import type { BenchResults } from "../../bench/src/results";
import { pipelinedRequests, startSlowClients } from "../../bench/src/slow-clients";
import { localReleaseSpec } from "../../cli/src/local";

const digest = (c: string) => `sha256:${c.repeat(64)}`;

describe("bench image figures", () => {
  it("makes exactly one change to the greeting, and refuses when the line is missing or repeated", () => {
    const source = `const a = ${ONE_LINE_CHANGE.from};\n`;
    assert.equal(
      changeOneLine(source, ONE_LINE_CHANGE.from, ONE_LINE_CHANGE.to("run-1")),
      'const a = "Hello from berth, again (run-1)";\n',
    );
    assert.throws(() => changeOneLine("nothing", "x1", "y"), /exactly once, found it 0 times/);
    assert.throws(() => changeOneLine("x1 x1", "x1", "y"), /found it 2 times/);
  });

  it("counts as pushed only the layers the previous image lacks, plus config and manifest", () => {
    const before = {
      config: { digest: digest("a"), size: 5 },
      layers: [
        { digest: digest("1"), size: 1000 },
        { digest: digest("2"), size: 200 },
      ],
    };
    const after = {
      config: { digest: digest("b"), size: 7 },
      layers: [
        { digest: digest("1"), size: 1000 },
        { digest: digest("3"), size: 30 },
      ],
    };
    assert.deepEqual(pushedBytes(before, after, 500), { layers: 1, bytes: 30 + 7 + 500 });
    assert.equal(compressedSize(before), 1200);
  });
});

describe("bench floor script", () => {
  const spec = localReleaseSpec({
    app: `reg:5000/berth/app@${digest("c")}`,
    proxy: `reg:5000/berth/nginx@${digest("d")}`,
  });
  const script = floorScript({
    spec,
    registry: { server: "reg:5000", username: "berth", password: "pa'ss" },
    network: "berth-berth-demo-local",
    container: "berth-bench-floor-1",
  });

  it("times the pull by digest and the boot to a 200 on the health path, then removes container and image", () => {
    assert.match(
      script,
      /t0=\$\(now\)\ndocker pull --quiet 'reg:5000\/berth\/app@sha256:c{64}' >\/dev\/null\nt1=\$\(now\)/,
    );
    assert.match(
      script,
      /docker run --detach --name 'berth-bench-floor-1' --network 'berth-berth-demo-local'/,
    );
    assert.match(script, /'\/healthz'/);
    assert.match(script, /sleep 0\.05/);
    assert.match(
      script,
      /docker rm -f 'berth-bench-floor-1' >\/dev\/null\ndocker image rm 'reg:5000\/berth\/app@sha256:c{64}'/,
    );
  });

  it("passes the password on stdin to docker login, quoted, never as a flag", () => {
    assert.match(
      script,
      /printf '%s' 'pa'\\''ss' \| docker login --username 'berth' --password-stdin 'reg:5000'/,
    );
    assert.doesNotMatch(script, /--password[ =]/);
  });

  it("gives the container the spec's environment and the platform's PORT/APP_DIGEST/APP_RELEASE", () => {
    assert.match(script, /--env 'SHUTDOWN_TIMEOUT_MS=8000'/);
    assert.match(script, /--env 'PORT=3000'/);
    assert.match(script, /--env 'APP_RELEASE=floor'/);
  });
});

describe("bench slow clients", () => {
  it("pipelines the requests and closes the connection on the last one", () => {
    const bytes = pipelinedRequests("/items?count=2", "app", 2);
    assert.equal(bytes.split("GET /items?count=2 HTTP/1.1\r\n").length - 1, 2);
    assert.equal(bytes.split("Connection: keep-alive\r\n").length - 1, 1);
    assert.ok(bytes.endsWith("Connection: close\r\n\r\n"));
  });

  it("reads whole responses a few bytes at a time from a real server on 127.0.0.1", async function () {
    this.timeout(10_000);
    const body = "x".repeat(20_000);
    const server = http.createServer((_req, res) => res.end(body));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const started = Date.now();
      const result = await startSlowClients({
        host: "127.0.0.1",
        port,
        path: "/",
        clients: 3,
        requestsPerClient: 2,
        readBytesPerTick: 8192,
        tickMs: 10,
        maxMs: 8000,
      }).finished;
      assert.equal(result.completed, 3);
      assert.equal(result.errors, 0);
      assert.ok(result.bytesRead >= 3 * 2 * body.length, `read ${result.bytesRead} bytes`);
      // 40 kB per client at 8 kB per 10 ms takes at least 40 ms: the reading really is paced.
      assert.ok(Date.now() - started >= 40);
    } finally {
      server.close();
    }
  });

  it("destroys every socket at maxMs even when the server never answers", async function () {
    this.timeout(10_000);
    const server = http.createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const result = await startSlowClients({
        host: "127.0.0.1",
        port,
        path: "/",
        clients: 2,
        requestsPerClient: 1,
        readBytesPerTick: 10,
        tickMs: 10,
        maxMs: 300,
      }).finished;
      assert.equal(result.completed, 0);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe("bench markdown", () => {
  it("renders a table with a header separator", () => {
    assert.equal(table(["a", "b"], [["1", "2"]]), "| a | b |\n| --- | --- |\n| 1 | 2 |");
  });

  it("prints the targets, marks a missed one in bold and lists the notes", () => {
    const results = {
      startedAt: "2026-11-26T12:00:00.000Z",
      commit: { sha: "0123456789abcdef", dirty: false },
      machine: {
        cores: 2,
        cpuModel: "cpu",
        memoryBytes: 2e9,
        loadAverage: { start: 1.5, end: 2 },
        node: "v20",
        docker: "20.10",
        kernel: "Linux",
      },
      fleet: { hosts: 3, prefix: "berth-bench" },
      rollout: null,
      rolloutTraffic: null,
      rollback: null,
      nginx: null,
      image: null,
      programEvaluation: null,
      targets: [{ name: "code-only rebuild", target: "<= 10.00 s", value: "12.00 s", met: false }],
      notes: ["noisy machine"],
    } as unknown as BenchResults;
    const md = renderMarkdown(results);
    assert.match(md, /Commit 0123456789ab; 2 cores \(cpu\)/);
    assert.match(md, /\| code-only rebuild \| <= 10.00 s \| 12.00 s \| \*\*no\*\* \|/);
    assert.match(md, /- noisy machine/);
  });
});
