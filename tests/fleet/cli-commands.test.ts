import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as path from "node:path";
import { digest12 } from "../../infra/src/agent/contract";
import {
  assertAllOn,
  deploy,
  newRelease,
  onHost,
  servedDigests,
  settings,
  specFor,
} from "./support/fleet";

const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** Runs `npm run berth -- ARGS` the way an operator does (a separate process), on the test fleet. */
function berth(
  args: string[],
  input = "",
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        "-r",
        "ts-node/register/transpile-only",
        path.join(REPO_ROOT, "cli", "src", "index.ts"),
        "--fleet-prefix",
        settings.prefix,
        ...args,
      ],
      { cwd: REPO_ROOT, stdio: ["pipe", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 255, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe("fleet: the operator CLI (npm run berth) against the local fleet", () => {
  let v1 = "";
  let v2 = "";

  before(async function () {
    this.timeout(10 * 60 * 1000);
    v1 = await newRelease("cli-v1");
    const first = await deploy(specFor(v1));
    assert.equal(first.ok, true, first.error ?? "");
    v2 = await newRelease("cli-v2");
    const second = await deploy(specFor(v2));
    assert.equal(second.ok, true, second.error ?? "");
    await assertAllOn(v2);
  });

  it("status: one healthy row per host with the running digest", async () => {
    const r = await berth(["status", "-s", "local"]);
    assert.equal(r.code, 0, r.stderr);
    const rows = r.stdout.trim().split("\n");
    assert.match(rows[0] ?? "", /^HOST +RELEASE +DIGEST +HEALTHY/);
    assert.equal(rows.length, 1 + settings.hostCount);
    for (let i = 1; i <= settings.hostCount; i++) {
      const row = rows.find((line) => line.startsWith(`host-${i} `)) ?? "";
      assert.match(
        row,
        new RegExp(
          ` ${digest12(v2)} +yes +web:1 worker:1 proxy:1 +(running|succeeded) +deploy deployed `,
        ),
      );
    }
  });

  it("status --json: the agents' own documents", async () => {
    const r = await berth(["status", "-s", "local", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as {
      host: string;
      status: { image: string; healthy: boolean };
    }[];
    assert.deepEqual(
      rows.map((row) => [row.host, row.status.image, row.status.healthy]),
      Array.from({ length: settings.hostCount }, (_, i) => [`host-${i + 1}`, v2, true]),
    );
  });

  it("logs: app and nginx lines from every host, filtered by --grep", async () => {
    const r = await berth([
      "logs",
      "-s",
      "local",
      "-p",
      "app,nginx",
      "-n",
      "20",
      "--grep",
      "healthz",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split("\n");
    for (const line of lines) {
      assert.match(line, /^host-\d berth-demo-local-(web-[0-9a-f]{12}\S*|proxy) \S+Z /);
      assert.ok(line.includes("healthz"), line);
    }
    const seen = new Set(
      lines.map((l) => `${l.split(" ")[0]} ${l.includes("-proxy ") ? "nginx" : "app"}`),
    );
    for (let i = 1; i <= settings.hostCount; i++) {
      assert.ok(seen.has(`host-${i} app`), `no app logs from host-${i}`);
      assert.ok(seen.has(`host-${i} nginx`), `no nginx logs from host-${i}`);
    }
  });

  it("logs: the worker's lines, one host", async () => {
    const r = await berth(["logs", "-s", "local", "-p", "worker", "-n", "5", "--host", "host-2"]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split("\n");
    assert.ok(lines.length > 0 && lines.length <= 5, r.stdout);
    for (const line of lines) assert.match(line, /^host-2 berth-demo-local-worker-/);
  });

  it("run: a one-off command in a fresh container of the running release, removed afterwards", async () => {
    const r = await berth([
      "run",
      "-s",
      "local",
      "--host",
      "host-2",
      "-T",
      "--",
      "node",
      "-e",
      "console.log('digest=' + process.env.APP_DIGEST)",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^digest=${v2.replace(/[.]/g, "\\.")}$`, "m"));
    const left = await onHost(
      1,
      "sudo -n docker ps -a --filter label=berth.role=run --format '{{.Names}}'",
    );
    assert.equal(left.stdout.trim(), "", "the run container was not removed");
  });

  it("run: the command's exit code is the CLI's", async () => {
    const r = await berth(["run", "-s", "local", "-T", "--", "node", "-e", "process.exit(7)"]);
    assert.equal(r.code, 7);
  });

  it("exec: runs inside the release's serving container (its PID 1 is the web server), run in a fresh one", async () => {
    const pid1 =
      "console.log(require('fs').readFileSync('/proc/1/cmdline','utf8').split('\\0').join(' '))";
    const inside = await berth([
      "exec",
      "-s",
      "local",
      "--host",
      "host-2",
      "-T",
      "--",
      "node",
      "-e",
      pid1,
    ]);
    assert.equal(inside.code, 0, inside.stderr);
    const web = await onHost(
      1,
      "sudo -n docker ps --filter label=berth.role=web --format '{{.Names}}' | head -n 1 | xargs sudo -n docker inspect -f '{{join .Config.Cmd \" \"}}'",
    );
    assert.ok(web.stdout.trim(), web.stderr);
    assert.ok(
      inside.stdout.includes(web.stdout.trim()),
      `${inside.stdout} vs the web container's ${web.stdout}`,
    );
    const fresh = await berth([
      "run",
      "-s",
      "local",
      "--host",
      "host-2",
      "-T",
      "--",
      "node",
      "-e",
      pid1,
    ]);
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.ok(!fresh.stdout.includes(web.stdout.trim()), fresh.stdout);
    assert.match(fresh.stdout, /node -e /);
  });

  it("exec -p worker: runs inside the release's worker", async () => {
    const r = await berth([
      "exec",
      "-s",
      "local",
      "-p",
      "worker",
      "-T",
      "--",
      "node",
      "-e",
      "console.log(process.env.APP_RELEASE)",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.trim(), /^\S+$/);
  });

  it("ssh: reaches the named host with the fleet's key and a pinned host key", async () => {
    const r = await berth(["ssh", "-s", "local", "host-3"], "hostname\nexit\n");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^host-3$/m);
  });

  it("clear errors for an unknown host, stack or command", async () => {
    const host = await berth(["ssh", "-s", "local", "host-9"]);
    assert.equal(host.code, 2);
    assert.match(
      host.stderr,
      /unknown host "host-9" in stack local: use one of host-1, host-2, host-3/,
    );
    const stack = await berth(["status", "-s", "lcoal"]);
    assert.equal(stack.code, 2);
    assert.match(stack.stderr, /unknown stack "lcoal": use one of local/);
    const command = await berth(["stauts", "-s", "local"]);
    assert.equal(command.code, 2);
    assert.match(command.stderr, /unknown command 'stauts'/);
  });

  it("rollback: every host at once, back on the previous release", async () => {
    const r = await berth(["rollback", "-s", "local"]);
    assert.equal(r.code, 0, r.stderr);
    const back = [...r.stderr.matchAll(/(host-\d): back on \S+ in \d+ ms/g)].map((m) => m[1]);
    assert.deepEqual(
      back.sort(),
      Array.from({ length: settings.hostCount }, (_, i) => `host-${i + 1}`),
    );
    assert.match(r.stderr, /rolling back host-1, host-2, host-3 at once/);
    await assertAllOn(v1);
    assert.deepEqual(await servedDigests(), new Set([v1]));
  });
});
