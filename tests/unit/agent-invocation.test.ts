import { createHash } from "node:crypto";
import * as assert from "node:assert/strict";
import { ReleaseSpec, digest12 } from "../../infra/src/agent/contract";
import {
  canonicalJson,
  configHash,
  renderDeployCommand,
  renderDeployStdin,
  renderRollbackCommand,
  renderStatusCommand,
  shellQuote,
} from "../../infra/src/agent/invocation";
import { RELEASE_GUARD_DEFAULTS, assertValidSpec } from "../../infra/src/agent/specSchema";

/** A config hash key (the program makes one per stack; the tests use a fixed one). */
const KEY = "0123456789abcdef".repeat(4);

const spec = (overrides: Partial<ReleaseSpec> = {}): ReleaseSpec => ({
  app: "shop",
  stack: "prod",
  image: `registry.local:5000/shop@sha256:${"a".repeat(64)}`,
  proxyImage: `registry.local:5000/nginx@sha256:${"b".repeat(64)}`,
  web: { command: null, port: 3000, healthPath: "/healthz" },
  worker: { command: ["node", "dist/worker.js"], count: 1 },
  releaseCommand: ["node", "migrate.js"],
  env: { DATABASE_URL: "postgres://u:p4ss@db/shop", QUOTE: "it's" },
  timeouts: { healthSeconds: 30, drainSeconds: 5, stopSeconds: 10 },
  keepReleases: 3,
  guard: RELEASE_GUARD_DEFAULTS,
  ...overrides,
});

describe("the agent invocation (what the Pulumi program and the fleet send to a host)", () => {
  it("quotes any word into one literal shell argument", () => {
    assert.equal(shellQuote("plain-word_1.2:3@x"), "plain-word_1.2:3@x");
    assert.equal(shellQuote("two words"), "'two words'");
    assert.equal(shellQuote("it's"), `'it'\\''s'`);
    assert.equal(shellQuote("$(rm -rf /)"), "'$(rm -rf /)'");
  });

  it("keys the hash with the stack's own key: without it, a guessed secret cannot be checked", () => {
    const a = spec({ env: { DB_PASSWORD: "hunter2" } });
    const unkeyed = createHash("sha256").update(canonicalJson(a)).digest("hex");
    assert.notEqual(configHash(a, KEY), unkeyed, "the hash is a plain sha256 of the spec");
    const otherKey = "f".repeat(64);
    assert.notEqual(
      configHash(a, otherKey),
      configHash(a, KEY),
      "the key does not change the hash",
    );
    assert.equal(configHash(a, KEY), configHash(spec({ env: { DB_PASSWORD: "hunter2" } }), KEY));
    for (const bad of ["", "abc", "G".repeat(64), "0".repeat(63)])
      assert.throws(() => configHash(a, bad), /config hash key must be 64 hex digits/);
  });

  it("hashes the spec independently of key order, and any change gives a new hash", () => {
    const a = spec();
    const reordered = JSON.parse(
      JSON.stringify({ ...a, env: { QUOTE: "it's", DATABASE_URL: a.env.DATABASE_URL } }),
    );
    assert.equal(canonicalJson(a), canonicalJson(reordered));
    assert.equal(configHash(a, KEY), configHash(reordered, KEY));
    assert.match(configHash(a, KEY), /^[0-9a-f]{64}$/);
    assert.notEqual(
      configHash(spec({ env: { ...a.env, QUOTE: "changed" } }), KEY),
      configHash(a, KEY),
    );
    assert.notEqual(configHash(spec({ keepReleases: 4 }), KEY), configHash(a, KEY));
  });

  it("keeps secrets off the command line and puts them on stdin", () => {
    const command = renderDeployCommand(spec(), KEY);
    assert.ok(!command.includes("p4ss"));
    assert.ok(!command.includes("DATABASE_URL"));
    const stdin = renderDeployStdin(spec(), {
      server: "registry.local:5000",
      method: "password",
      username: "u",
      password: "registry-secret",
    });
    assert.ok(!command.includes("registry-secret"));
    assert.ok(stdin.endsWith("\n"));
    assert.equal(stdin.trim().split("\n").length, 1, "one JSON line");
    const parsed = JSON.parse(stdin);
    assert.equal(parsed.spec.env.DATABASE_URL, "postgres://u:p4ss@db/shop");
    assert.equal(parsed.registry.password, "registry-secret");
  });

  it("names the digest's first 12 hex digits and rejects a tag", () => {
    assert.equal(digest12(spec().image), "aaaaaaaaaaaa");
    assert.throws(
      () => digest12("registry.local/shop:latest"),
      /not an image reference by digest: "registry.local\/shop:latest"/,
    );
  });

  it("rejects an invalid spec before anything reaches a host, naming every problem", () => {
    assert.throws(
      () => assertValidSpec(spec({ app: "Shop", image: "shop:latest", env: { "BAD-NAME": "x" } })),
      /^Error: invalid release spec: app must be 2-20 lowercase .*\(got "Shop"\); image must be an image by digest: REPO@sha256:<64 hex> \(got "shop:latest"\); env\.BAD-NAME is not a valid name: it must be a variable name/,
    );
    assert.throws(
      () =>
        renderDeployCommand(
          spec({ web: { command: null, port: 3000, healthPath: "healthz" } }),
          KEY,
        ),
      /web\.healthPath must be a path starting with \/ like \/healthz \(got "healthz"\)/,
    );
  });

  it("refuses an env value with a newline and never echoes env values", () => {
    assert.throws(
      () => assertValidSpec(spec({ env: { TOKEN: "line1\nsecret-line2" } })),
      (error: Error) =>
        /env\.TOKEN must be one line/.test(error.message) &&
        !error.message.includes("secret-line2"),
    );
  });

  it("adds --skip-release-command only when asked (every host of a rollout but the first)", () => {
    assert.ok(!renderDeployCommand(spec(), KEY).includes("--skip-release-command"));
    assert.match(
      renderDeployCommand(spec(), KEY, undefined, { skipReleaseCommand: true }),
      / --config-hash [0-9a-f]{64} --skip-release-command$/,
    );
  });

  it("renders rollback and status with identity only", () => {
    assert.equal(
      renderRollbackCommand("shop", "prod"),
      "sudo -n /usr/local/bin/berth-agent rollback --app shop --stack prod",
    );
    assert.equal(
      renderStatusCommand("shop", "prod", "/opt/agent"),
      "sudo -n /opt/agent status --app shop --stack prod",
    );
  });
});
