import assert from "node:assert/strict";
import { ConfigError, readWebConfig, readWorkerConfig } from "../../app-image/src/config";

const DIGEST = `sha256:${"0f".repeat(32)}`;
const BASE = { APP_RELEASE: "2026-11-26.1", APP_DIGEST: DIGEST };

function configError(read: () => unknown): string {
  try {
    read();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.doesNotMatch(error.message, /\n/, "one line");
    return error.message;
  }
  assert.fail("expected a ConfigError");
}

describe("app config: the web process", function () {
  it("uses the documented defaults when only the release and digest are set", function () {
    assert.deepEqual(readWebConfig(BASE), {
      release: "2026-11-26.1",
      digest: DIGEST,
      port: 3000,
      healthPath: "/healthz",
      shutdownTimeoutMs: 8000,
      keepAliveTimeoutMs: 65_000,
      headersTimeoutMs: 15_000,
      drainDelayMs: 1000,
      slowMaxMs: 30_000,
      cpuMaxMs: 20,
    });
  });

  it("reads every setting from its variable", function () {
    const config = readWebConfig({
      ...BASE,
      PORT: "8081",
      SHUTDOWN_TIMEOUT_MS: "20000",
      KEEP_ALIVE_TIMEOUT_MS: "90000",
      HEADERS_TIMEOUT_MS: "5000",
      SHUTDOWN_DRAIN_DELAY_MS: "0",
      SLOW_MAX_MS: "5000",
      CPU_MAX_MS: "50",
      HEALTH_PATH: "/up",
    });
    assert.equal(config.port, 8081);
    assert.equal(config.healthPath, "/up");
    assert.equal(config.shutdownTimeoutMs, 20_000);
    assert.equal(config.keepAliveTimeoutMs, 90_000);
    assert.equal(config.headersTimeoutMs, 5000);
    assert.equal(config.drainDelayMs, 0);
    assert.equal(config.slowMaxMs, 5000);
    assert.equal(config.cpuMaxMs, 50);
  });

  it("accepts the digest as repo@sha256:... (what the deploy agent passes)", function () {
    const digest = `registry.local:5000/berth/app@${DIGEST}`;
    assert.equal(readWebConfig({ ...BASE, APP_DIGEST: digest }).digest, digest);
  });

  it("names a HEALTH_PATH that is not a path", function () {
    assert.equal(
      configError(() => readWebConfig({ ...BASE, HEALTH_PATH: "healthz" })),
      'HEALTH_PATH must be a path starting with / like /healthz (got "healthz")',
    );
  });

  it("names a malformed PORT, the rule and the value", function () {
    assert.equal(
      configError(() => readWebConfig({ ...BASE, PORT: "abc" })),
      'PORT must be an integer from 1 to 65535 (got "abc")',
    );
    for (const bad of ["0", "65536", "80.5", "-1", "1e3", "0x50"]) {
      assert.match(
        configError(() => readWebConfig({ ...BASE, PORT: bad })),
        /^PORT must be/,
      );
    }
  });

  it("names a missing APP_RELEASE or APP_DIGEST", function () {
    assert.match(
      configError(() => readWebConfig({ APP_DIGEST: DIGEST })),
      /^APP_RELEASE is required/,
    );
    assert.match(
      configError(() => readWebConfig({ APP_RELEASE: "r1", APP_DIGEST: "  " })),
      /^APP_DIGEST is required/,
    );
  });

  it("rejects a digest that is not a sha256 and a release with spaces", function () {
    assert.match(
      configError(() => readWebConfig({ ...BASE, APP_DIGEST: "sha256:abc" })),
      /^APP_DIGEST must be .* \(got "sha256:abc"\)$/,
    );
    assert.match(
      configError(() => readWebConfig({ ...BASE, APP_RELEASE: "my release" })),
      /^APP_RELEASE must be/,
    );
  });

  it("refuses a drain delay that leaves no time to finish requests", function () {
    assert.match(
      configError(() =>
        readWebConfig({ ...BASE, SHUTDOWN_TIMEOUT_MS: "2000", SHUTDOWN_DRAIN_DELAY_MS: "2000" }),
      ),
      /^SHUTDOWN_DRAIN_DELAY_MS must be less than SHUTDOWN_TIMEOUT_MS/,
    );
  });
});

describe("app config: the worker process", function () {
  it("defaults its state directory and interval", function () {
    const config = readWorkerConfig(BASE);
    assert.equal(config.stateDir, "/tmp/berth-worker");
    assert.equal(config.intervalMs, 1000);
  });

  it("names a relative WORKER_STATE_DIR and a malformed WORKER_INTERVAL_MS", function () {
    assert.equal(
      configError(() => readWorkerConfig({ ...BASE, WORKER_STATE_DIR: "state" })),
      'WORKER_STATE_DIR must be an absolute path (got "state")',
    );
    assert.equal(
      configError(() => readWorkerConfig({ ...BASE, WORKER_INTERVAL_MS: "5" })),
      'WORKER_INTERVAL_MS must be an integer from 10 to 3600000 (got "5")',
    );
  });
});
