import * as assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import {
  DOCKER_IN_DOCKER_FLAGS,
  blockSshArgs,
  hostRunArgs,
  lbRunArgs,
  registryRunArgs,
} from "../../fleet/src/commands";
import { buildArgs } from "../../fleet/src/images";
import { renderHaproxyConfig, renderRegistryConfig } from "../../fleet/src/lb-config";
import { healthCheckFor } from "../../infra/src/healthCheck";
import { fleetNames, fleetSettings, REPO_ROOT } from "../../fleet/src/settings";

describe("fleet command builders", () => {
  it("a host runs its own dockerd with the Docker-in-Docker flags, never --privileged", () => {
    const args = hostRunArgs("berth-x", 2, "ssh-ed25519 AAAA test");
    assert.ok(!args.includes("--privileged"));
    const joined = args.join(" ");
    assert.ok(joined.includes(DOCKER_IN_DOCKER_FLAGS.join(" ")));
    assert.ok(
      joined.includes("--volume berth-x-host-2-docker:/var/lib/docker"),
      "engine state survives restarts",
    );
    assert.ok(joined.includes("--publish 127.0.0.1::22"), "SSH only on loopback");
    assert.ok(joined.includes("--restart unless-stopped"));
    assert.ok(
      args.includes("BERTH_FLEET_REGISTRY=berth-x-registry:5000 berth-x-prod-registry:5000"),
    );
    assert.equal(args[args.length - 1], fleetNames("berth-x").hostImage);
  });

  it("the registry and the LB publish on 127.0.0.1 only", () => {
    const registry = registryRunArgs("berth-x", "/state/registry").join(" ");
    assert.match(registry, /--publish 127\.0\.0\.1::5000/);
    assert.match(registry, /docker-registry serve \/etc\/berth-registry\/config\.yml$/);
    const prod = registryRunArgs("berth-x", "/state/prod-registry", "prod").join(" ");
    assert.match(prod, /--name berth-x-prod-registry .*--volume berth-x-prod-registry-data:/);
    assert.match(prod, /--publish 127\.0\.0\.1::5000/);
    const lb = lbRunArgs("berth-x", 8870, "/state/lb").join(" ");
    assert.match(lb, /--publish 127\.0\.0\.1:8870:8080/);
    assert.match(lb, /haproxy -db -f \/etc\/berth-lb\/haproxy\.cfg$/);
  });

  it("blocking SSH drops port 22 inside the host and unblocking deletes the same rule", () => {
    assert.deepEqual(blockSshArgs("berth-x", 2, true).slice(0, 4), [
      "exec",
      "berth-x-host-2",
      "iptables",
      "-I",
    ]);
    assert.deepEqual(blockSshArgs("berth-x", 2, false).slice(3), [
      "-D",
      "INPUT",
      "-p",
      "tcp",
      "--dport",
      "22",
      "-j",
      "DROP",
    ]);
  });

  it("the LB health-checks every host and retries connection failures elsewhere", () => {
    const cfg = renderHaproxyConfig(["h-1", "h-2", "h-3"], "/healthz");
    for (const h of ["h-1", "h-2", "h-3"])
      assert.match(cfg, new RegExp(`server ${h} ${h}:80 check`));
    assert.match(cfg, /option httpchk GET \/healthz/);
    assert.match(cfg, /retry-on all-retryable-errors/);
    // A slow check fails after the ALB's timeout, not after the 1 s between checks.
    assert.match(cfg, new RegExp(`timeout check ${healthCheckFor("/healthz").timeout}s`));
    // A host leaves after failing as long as the ALB needs to take it out (2 x 5 s), checked each second.
    const alb = healthCheckFor("/healthz");
    assert.match(cfg, new RegExp(`inter 1s fall ${alb.unhealthyThreshold * alb.interval} `));
    assert.match(cfg, /bind :8080/);
  });

  it("the registry requires htpasswd auth", () => {
    assert.match(
      renderRegistryConfig(),
      /auth:\n {2}htpasswd:\n {4}realm: berth-fleet\n {4}path: \/etc\/berth-registry\/htpasswd/,
    );
  });

  describe("image builds and the extra CA (the host's bundle, only ever a BuildKit secret)", () => {
    const EXTRA_CA = "/etc/ssl/certs/ca-certificates.crt";
    const APP_CONTEXT = path.join(REPO_ROOT, "app-image");
    const APP_DOCKERFILE = path.join(APP_CONTEXT, "Dockerfile");

    /**
     * buildArgs as on a machine where the host's CA bundle does (or does not) exist, whatever this
     * machine has: fleet/src/images.ts reads `fs.existsSync` off the module at call time. Were that
     * ever to stop working, the "absent" tests would fail on a machine with the bundle, not pass.
     */
    function buildArgsWhereCa(present: boolean): string[] {
      const realExistsSync = fs.existsSync;
      fs.existsSync = (p: fs.PathLike) => (p === EXTRA_CA ? present : realExistsSync(p));
      try {
        return buildArgs(APP_DOCKERFILE, APP_CONTEXT, "berth-app:local");
      } finally {
        fs.existsSync = realExistsSync;
      }
    }

    for (const present of [true, false]) {
      it(`builds the image from its Dockerfile, never with the CA as a build arg (CA ${present ? "present" : "absent"})`, () => {
        const args = buildArgsWhereCa(present);
        assert.equal(args[1], "build");
        assert.equal(args[args.length - 1], APP_CONTEXT);
        assert.equal(args[args.indexOf("--file") + 1], APP_DOCKERFILE);
        assert.equal(args[args.indexOf("--tag") + 1], "berth-app:local");
        // The only build arg: the base image by its local tag (the Dockerfile pins its digest).
        assert.deepEqual(
          args.flatMap((a, i) => (a === "--build-arg" ? [args[i + 1]] : [])),
          ["NODE_IMAGE=node:20-bookworm-slim"],
        );
        assert.ok(!args.some((a) => /^(CA|NODE_EXTRA_CA_CERTS)=/.test(a)), args.join(" "));
      });
    }

    it("where the host has a CA bundle: passes it as the `ca` secret, exactly once", () => {
      const args = buildArgsWhereCa(true);
      assert.deepEqual(
        args.flatMap((a, i) => (a === "--secret" ? [args[i + 1]] : [])),
        [`id=ca,src=${EXTRA_CA}`],
      );
    });

    it("where no extra CA is needed (no bundle): passes no secret at all, the Dockerfile builds unchanged", () => {
      const args = buildArgsWhereCa(false);
      assert.ok(!args.includes("--secret"), args.join(" "));
      assert.ok(!args.some((a) => a.includes(EXTRA_CA) || a.startsWith("id=ca")), args.join(" "));
    });
  });
});

describe("fleet settings", () => {
  it("rejects bad values, naming them", () => {
    assert.throws(
      () => fleetSettings({ hostCount: 0 }),
      /host count must be a whole number from 1 to 10 \(got 0\)/,
    );
    assert.throws(() => fleetSettings({ prefix: "Bad_Prefix" }), /prefix "Bad_Prefix"/);
    assert.throws(() => fleetSettings({ lbPort: 80 }), /LB port .* \(got 80\)/);
    assert.equal(fleetSettings().hostCount, 2);
  });

  it("takes up to 10 hosts (the bench's largest fleet), not 11", () => {
    assert.equal(fleetSettings({ hostCount: 10 }).hostCount, 10);
    assert.throws(() => fleetSettings({ hostCount: 11 }), /from 1 to 10 \(got 11\)/);
  });
});
