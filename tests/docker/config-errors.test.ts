import assert from "node:assert/strict";
import { dockerResult } from "../support/docker";
import { APP_IMAGE, buildImages, NGINX_IMAGE } from "./fixture";

const DIGEST = `sha256:${"ab".repeat(32)}`;

/** `docker run --rm` with the given environment; the container must stop by itself. */
async function runWithEnv(image: string, env: Record<string, string>, command: string[] = []) {
  const flags = Object.entries(env).flatMap(([name, value]) => ["--env", `${name}=${value}`]);
  return dockerResult(["run", "--rm", ...flags, image, ...command], { timeoutMs: 60_000 });
}

describe("a bad environment variable stops start-up with one line that names it", function () {
  before(async function () {
    this.timeout(900_000);
    await buildImages();
  });

  it("web: a malformed PORT", async function () {
    const result = await runWithEnv(APP_IMAGE, {
      APP_RELEASE: "r1",
      APP_DIGEST: DIGEST,
      PORT: "abc",
    });
    assert.equal(result.code, 78);
    assert.equal(
      result.stderr,
      'config error: PORT must be an integer from 1 to 65535 (got "abc")\n',
    );
    assert.equal(result.stdout, "");
  });

  it("web: a missing APP_RELEASE", async function () {
    const result = await runWithEnv(APP_IMAGE, { APP_DIGEST: DIGEST });
    assert.equal(result.code, 78);
    assert.match(result.stderr, /^config error: APP_RELEASE is required: [^\n]+\n$/);
  });

  it("web: a malformed APP_DIGEST", async function () {
    const result = await runWithEnv(APP_IMAGE, { APP_RELEASE: "r1", APP_DIGEST: "latest" });
    assert.equal(result.code, 78);
    assert.match(result.stderr, /^config error: APP_DIGEST must be [^\n]+ \(got "latest"\)\n$/);
  });

  it("worker: a malformed WORKER_INTERVAL_MS", async function () {
    const result = await runWithEnv(
      APP_IMAGE,
      { APP_RELEASE: "r1", APP_DIGEST: DIGEST, WORKER_INTERVAL_MS: "1s" },
      ["node", "dist/worker.js"],
    );
    assert.equal(result.code, 78);
    assert.equal(
      result.stderr,
      'config error: WORKER_INTERVAL_MS must be an integer from 10 to 3600000 (got "1s")\n',
    );
  });

  it("nginx: a malformed TRUSTED_PROXY_CIDRS", async function () {
    const result = await runWithEnv(NGINX_IMAGE, {
      TRUSTED_PROXY_CIDRS: "10.0.0.0/16,10.1.0.0/33",
    });
    assert.equal(result.code, 78);
    assert.match(
      result.stderr,
      /^config error: TRUSTED_PROXY_CIDRS has "10\.1\.0\.0\/33", which is not an IP address or CIDR like 10\.0\.0\.0\/16 \(got "10\.0\.0\.0\/16,10\.1\.0\.0\/33"\)\n$/,
    );
  });
});
