import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CliDeps, main } from "../../cli/src/index";
import { promoteConfigText, releaseFromOutputs } from "../../cli/src/promote";

const APP = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop@sha256:${"a".repeat(64)}`;
const PROXY = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop-proxy@sha256:${"b".repeat(64)}`;
const PROD_YAML = [
  "# prod: two hosts, HTTPS",
  "config:",
  "  aws:region: eu-west-1",
  "  berth:app: shop",
  "  berth:release:",
  "    batchSize: 1 # one host at a time",
  "    healthSeconds: 60",
  "",
].join("\n");

describe("cli: promote", () => {
  describe("config rewriting", () => {
    it("sets berth:release.digest and proxyDigest and keeps every other key and comment", () => {
      const { text, previous } = promoteConfigText(PROD_YAML, { digest: APP, proxyDigest: PROXY });
      assert.deepEqual(previous, {});
      assert.match(text, /# prod: two hosts, HTTPS/);
      assert.match(text, /batchSize: 1 # one host at a time/);
      assert.match(text, new RegExp(`    digest: ${APP.replace(/[.]/g, "\\.")}\n`));
      assert.match(text, new RegExp(`    proxyDigest: ${PROXY.replace(/[.]/g, "\\.")}\n`));
    });

    it("leaves long lines as they were (no folding at 80 columns) and changes only the release", () => {
      const key = `ssh-ed25519 ${"A".repeat(68)} deploy@shop`;
      const original = PROD_YAML.replace(
        "  berth:app: shop\n",
        `  berth:app: shop\n  berth:ssh:\n    publicKey: ${key}\n  berth:note: ${"a long plain value ".repeat(6).trim()}\n`,
      );
      const { text } = promoteConfigText(original, { digest: APP, proxyDigest: PROXY });
      const lines = new Set(text.split("\n"));
      for (const line of original.split("\n")) assert.ok(lines.has(line), `line changed: ${line}`);
      assert.equal(text.split("\n").length, original.split("\n").length + 2);
    });

    it("reports the release it replaces", () => {
      const once = promoteConfigText(PROD_YAML, { digest: APP, proxyDigest: PROXY }).text;
      const newer = APP.replace(/a{64}$/, "c".repeat(64));
      const { previous } = promoteConfigText(once, { digest: newer, proxyDigest: PROXY });
      assert.deepEqual(previous, { digest: APP, proxyDigest: PROXY });
    });

    it("creates berth:release when the file has none", () => {
      const { text } = promoteConfigText("config:\n  berth:app: shop\n", {
        digest: APP,
        proxyDigest: PROXY,
      });
      assert.match(text, /berth:release:\n {4}digest: /);
    });

    it("refuses a non-digest output", () => {
      assert.throws(
        () => releaseFromOutputs("staging", { digest: "shop:latest", proxyDigest: PROXY }),
        /stack "staging" output digest is not an image by digest \(got "shop:latest"\)/,
      );
    });
  });

  describe("the command", () => {
    let root: string;
    let out: string[];
    let err: string[];
    const deps = (outputs: Record<string, unknown>): CliDeps => ({
      resolveTarget: () => {
        throw new Error("promote reaches no host");
      },
      capture: () => Promise.reject(new Error("unused")),
      stream: () => Promise.reject(new Error("unused")),
      interactive: () => Promise.reject(new Error("unused")),
      pulumi: (args) => {
        assert.deepEqual(args, ["stack", "output", "--json", "--stack", "staging"]);
        return { status: 0, stdout: JSON.stringify(outputs), stderr: "", missing: false };
      },
      root,
      out: (t) => out.push(t),
      err: (t) => err.push(t),
    });

    beforeEach(() => {
      root = mkdtempSync(join(tmpdir(), "berth-promote-"));
      writeFileSync(join(root, "Pulumi.staging.yaml"), "config:\n  berth:app: shop\n");
      writeFileSync(join(root, "Pulumi.prod.yaml"), PROD_YAML);
      out = [];
      err = [];
    });
    afterEach(() => rmSync(root, { recursive: true, force: true }));

    it("writes the staging release into Pulumi.prod.yaml", async () => {
      const code = await main(
        ["promote", "--from", "staging", "-s", "prod"],
        deps({ digest: APP, proxyDigest: PROXY }),
      );
      assert.equal(code, 0, err.join("\n"));
      const written = readFileSync(join(root, "Pulumi.prod.yaml"), "utf8");
      assert.match(written, /digest: .*@sha256:a{64}/);
      assert.match(out.join("\n"), /prod: berth:release\.digest \(builds\) -> .*shop@sha256:a{64}/);
    });

    it("refuses and writes nothing when staging no longer runs the verified digest", async () => {
      const verified = APP.replace(/a{64}$/, "d".repeat(64));
      const code = await main(
        ["promote", "-s", "prod", "--expect-digest", verified],
        deps({ digest: APP, proxyDigest: PROXY }),
      );
      assert.equal(code, 1);
      assert.match(
        err.join("\n"),
        /stack staging runs .*a{64}, not the expected .*d{64}: it changed since it was verified; nothing written/,
      );
      assert.equal(readFileSync(join(root, "Pulumi.prod.yaml"), "utf8"), PROD_YAML);
    });

    it("prints and writes nothing with --dry-run", async () => {
      const code = await main(["promote", "--dry-run"], deps({ digest: APP, proxyDigest: PROXY }));
      assert.equal(code, 0);
      assert.equal(readFileSync(join(root, "Pulumi.prod.yaml"), "utf8"), PROD_YAML);
      assert.equal(out.length, 2);
    });

    it("rejects the local fleet and a stack promoted onto itself", async () => {
      assert.equal(await main(["promote", "--from", "local"], deps({})), 2);
      assert.match(err.join("\n"), /promote works between AWS stacks/);
      assert.equal(await main(["promote", "--from", "prod", "-s", "prod"], deps({})), 2);
      assert.match(err.join("\n"), /pick two different stacks/);
    });
  });
});
