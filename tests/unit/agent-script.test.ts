import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { AGENT_EXIT } from "../../infra/src/agent/contract";
import { renderDeployCommand } from "../../infra/src/agent/invocation";

const AGENT = path.resolve(__dirname, "../../infra/host/berth-agent");

/** Runs the agent locally for argument checks only (they fail before it touches docker or disk). */
function agent(args: string[], input = "") {
  const r = spawnSync("bash", [AGENT, ...args], {
    input,
    encoding: "utf8",
    env: { ...process.env, BERTH_STATE_DIR: "/nonexistent/berth-agent-unit" },
  });
  const last = r.stdout.trim().split("\n").pop() ?? "";
  return {
    code: r.status,
    stderr: r.stderr,
    summary: JSON.parse(last) as { outcome: string; exitCode: number; reason: string },
  };
}

describe("berth-agent's command line (the contract's exit codes and summary)", () => {
  it("rejects an unknown action with the usage exit code and a JSON summary", () => {
    const r = agent(["launch", "--app", "a", "--stack", "s"]);
    assert.equal(r.code, AGENT_EXIT.usage);
    assert.equal(r.summary.exitCode, AGENT_EXIT.usage);
    assert.equal(r.summary.outcome, "failed");
    assert.match(r.summary.reason, /unknown action 'launch'/);
  });

  it("rejects an image by tag: releases are by digest only", () => {
    const r = agent([
      "deploy",
      "--app",
      "a",
      "--stack",
      "s",
      "--image",
      "repo/app:latest",
      "--config-hash",
      "ab".repeat(32),
    ]);
    assert.equal(r.code, AGENT_EXIT.usage);
    assert.match(r.summary.reason, /--image 'repo\/app:latest' must be an image by digest/);
  });

  it("rejects unknown flags and missing values", () => {
    assert.match(
      agent(["status", "--app", "a", "--stack", "s", "--verbose", "1"]).summary.reason,
      /unknown argument '--verbose'/,
    );
    assert.match(agent(["status", "--app"]).summary.reason, /--app needs a value/);
    assert.match(
      agent(["status", "--app", "Bad", "--stack", "s"]).summary.reason,
      /--app 'Bad' must be lowercase/,
    );
  });

  it("accepts exactly the flags renderDeployCommand produces", () => {
    const command = renderDeployCommand({
      app: "web",
      stack: "prod",
      image: `r.example/app@sha256:${"c".repeat(64)}`,
      proxyImage: `r.example/nginx@sha256:${"d".repeat(64)}`,
      web: { command: null, port: 3000, healthPath: "/healthz" },
      worker: null,
      releaseCommand: null,
      env: {},
      timeouts: { healthSeconds: 30, drainSeconds: 5, stopSeconds: 10 },
      keepReleases: 3,
    });
    // drop `sudo -n /usr/local/bin/berth-agent`; add the per-host flag the rollout may add
    const argv = [...command.split(" ").slice(3), "--skip-release-command"];
    // Stdin that is not the contract's JSON: the flags passed, so the agent fails on stdin instead.
    const r = agent(argv, "not json\n");
    assert.equal(r.code, AGENT_EXIT.usage);
    assert.match(r.summary.reason, /stdin must be one JSON line/);
  });

  it("is shellcheck-clean", function () {
    this.timeout(30000);
    const r = spawnSync("shellcheck", [AGENT], { encoding: "utf8" });
    if (r.error) this.skip();
    assert.equal(r.status, 0, r.stdout);
  });
});
