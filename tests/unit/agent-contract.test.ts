/**
 * One contract: every value the TypeScript side and the bash agent share lives in
 * infra/src/agent/contract.ts. The agent holds a rendered copy; these tests fail when the copy
 * drifts, when the two sides judge an input differently, or when product code spells a shared
 * value out instead of importing it.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync, statSync } from "node:fs";
import * as path from "node:path";
import {
  AGENT_PATH,
  APP_NAME,
  CONFIG_HASH,
  IMAGE_BY_DIGEST,
  LABEL,
  PROXY,
  STACK_NAME,
  STATE_ROOT,
  renderAgentContractBlock,
} from "../../infra/src/agent/contract";
import { AGENT_SOURCE } from "../../infra/src/files";
import { REPO_ROOT } from "../support/pulumi/runProgram";

const agentText = readFileSync(AGENT_SOURCE, "utf8");

/** Runs the agent's argument check only (it fails before stdin, docker or root are needed). */
function agentVerdict(args: string[]): { status: number | null; stderr: string } {
  const result = spawnSync("bash", [AGENT_SOURCE, ...args], { input: "", encoding: "utf8" });
  return { status: result.status, stderr: result.stderr };
}

describe("the agent contract (infra/src/agent/contract.ts and infra/host/berth-agent)", () => {
  it("the agent holds exactly the rendered contract block between its markers", () => {
    const match = /# --- contract:[^\n]*\n(?:#[^\n]*\n)*([\s\S]*?)\n# --- end of contract\n/.exec(
      agentText,
    );
    assert.ok(match, "the agent has no '# --- contract' ... '# --- end of contract' block");
    assert.equal(
      match[1],
      renderAgentContractBlock(),
      "the agent's contract block differs from renderAgentContractBlock(): paste the rendering into infra/host/berth-agent",
    );
  });

  const table: {
    what: string;
    pattern: RegExp;
    args: (v: string) => string[];
    flag: string;
    values: string[];
  }[] = [
    {
      what: "app names",
      pattern: APP_NAME,
      flag: "--app",
      args: (v) => ["status", "--app", v, "--stack", "prod"],
      values: [
        "shop",
        "sh",
        "s",
        "shop-api-2",
        "Shop",
        "9shop",
        "a".repeat(20),
        "a".repeat(21),
        "shop_api",
      ],
    },
    {
      what: "stack names",
      pattern: STACK_NAME,
      flag: "--stack",
      args: (v) => ["status", "--app", "shop", "--stack", v],
      values: ["prod", "p", "staging-2", "Prod", "2prod", "s".repeat(40), "s".repeat(41)],
    },
    {
      what: "images by digest",
      pattern: IMAGE_BY_DIGEST,
      flag: "--image",
      args: (v) => [
        "deploy",
        "--app",
        "shop",
        "--stack",
        "prod",
        "--image",
        v,
        "--config-hash",
        "c".repeat(64),
      ],
      values: [
        `registry.local:5000/shop@sha256:${"a".repeat(64)}`,
        `123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop-api-app@sha256:${"b".repeat(64)}`,
        "shop:latest",
        `shop@sha256:${"a".repeat(63)}`,
        `Shop@sha256:${"a".repeat(64)}`,
      ],
    },
    {
      what: "config hashes",
      pattern: CONFIG_HASH,
      flag: "--config-hash",
      args: (v) => [
        "deploy",
        "--app",
        "shop",
        "--stack",
        "prod",
        "--image",
        `r/s@sha256:${"a".repeat(64)}`,
        "--config-hash",
        v,
      ],
      values: ["c".repeat(64), "c".repeat(63), "C".repeat(64), "c".repeat(16)],
    },
  ];
  for (const row of table) {
    it(`the agent and TypeScript accept and refuse the same ${row.what}`, () => {
      for (const value of row.values) {
        const { status, stderr } = agentVerdict(row.args(value));
        const agentRefused = status === 2 && stderr.includes(`${row.flag} '${value}'`);
        assert.equal(
          agentRefused,
          !row.pattern.test(value),
          `${row.what}: "${value}" is ${row.pattern.test(value) ? "accepted" : "refused"} by contract.ts but ${agentRefused ? "refused" : "accepted"} by the agent (${stderr.trim()})`,
        );
      }
    });
  }

  it("product code imports the shared values instead of spelling them out", () => {
    const literals = [
      STATE_ROOT,
      AGENT_PATH,
      PROXY.envFile,
      PROXY.includeDir,
      ...Object.values(LABEL).map((label) => `${label}=`),
      "berth-${",
    ];
    const roots = ["infra/src", "cli/src", "fleet/src", "bench/src"].map((r) =>
      path.join(REPO_ROOT, r),
    );
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir)) {
        const full = path.join(dir, entry);
        if (statSync(full).isDirectory()) walk(full);
        else if (full.endsWith(".ts")) files.push(full);
      }
    };
    roots.forEach(walk);
    const contract = path.join(REPO_ROOT, "infra/src/agent/contract.ts");
    const found = files
      .filter((f) => f !== contract)
      .flatMap((file) =>
        readFileSync(file, "utf8")
          .split("\n")
          .map((line, i) => ({ file, line, i }))
          .filter(({ line }) => !line.trim().startsWith("*") && !line.trim().startsWith("//"))
          .filter(({ line }) => literals.some((literal) => line.includes(literal)))
          .map(({ file, line, i }) => `${path.relative(REPO_ROOT, file)}:${i + 1}: ${line.trim()}`),
      );
    assert.deepEqual(found, [], "import these from infra/src/agent/contract.ts");
  });
});
