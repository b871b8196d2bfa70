import * as assert from "node:assert/strict";
import { AGENT_EXIT } from "../../infra/src/agent/contract";
import { underLoad } from "./support/load";
import {
  assertNoFailedRequests,
  assertAllOn,
  convergedRelease,
  deploy,
  figure,
  lbUrl,
  newProxyRelease,
  newRelease,
  onHost,
  servedDigests,
  specFor,
  statuses,
} from "./support/fleet";

/** A web command that listens but never answers /healthz with 200. */
const NEVER_HEALTHY = [
  "node",
  "-e",
  "require('http').createServer((q, s) => { s.writeHead(503); s.end('not ready'); }).listen(process.env.PORT)",
];

describe("fleet: a bad release changes nothing", () => {
  let current = "";

  before(async () => {
    current = await convergedRelease("failed-releases-base");
  });

  async function failingRollout(
    spec: ReturnType<typeof specFor>,
    exitCode: number,
    reason: RegExp,
  ) {
    const { result, load } = await underLoad(lbUrl("/"), () => deploy(spec));
    figure(
      `failed rollout (${Object.entries(AGENT_EXIT).find(([, v]) => v === exitCode)?.[0]}) requests`,
      load,
    );
    assert.equal(result.ok, false);
    assert.equal(result.results.length, 1, "the rollout went on after the first failing host");
    assert.equal(result.results[0]!.exitCode, exitCode, result.error ?? "");
    assert.match(result.error ?? "", reason);
    assert.deepEqual(result.untouched, ["host-2", "host-3"]);
    await assertNoFailedRequests(load, "during the failed rollout");
    await assertAllOn(current);
    assert.deepEqual(await servedDigests(), new Set([current]));
    const host1 = (await statuses())[0]!;
    assert.ok(
      !host1.containers.some((c) => c.image === spec.image && c.state === "running"),
      "the bad release still runs",
    );
    return result;
  }

  it("a release that never turns healthy fails with the reason and the old release keeps serving", async () => {
    const image = await newRelease("never-healthy");
    const spec = specFor(image, {
      web: { command: NEVER_HEALTHY, port: 3000, healthPath: "/healthz" },
      timeouts: { healthSeconds: 6, drainSeconds: 2, stopSeconds: 10 },
    });
    const result = await failingRollout(
      spec,
      AGENT_EXIT.unhealthy,
      /did not answer 200 on \/healthz within 6s/,
    );
    figure("never-healthy release rejected after (ms)", result.results[0]!.ms);
  });

  it("a crash-looping release fails with the reason and the old release keeps serving", async () => {
    const image = await newRelease("crash-loop");
    // The app exits with a config error (78) at start: SHUTDOWN_DRAIN_DELAY_MS must be below the timeout.
    const spec = specFor(image);
    spec.env = { ...spec.env, SHUTDOWN_DRAIN_DELAY_MS: "9000" };
    const result = await failingRollout(
      spec,
      AGENT_EXIT.unhealthy,
      /(crashed before turning healthy \(restarted \d+ times|exited with code 78 before turning healthy)/,
    );
    assert.match(
      result.results[0]!.summary?.reason ?? "",
      /SHUTDOWN_DRAIN_DELAY_MS/,
      "the reason carries the log lines",
    );
  });

  it("a failing release command stops before any switch", async () => {
    const image = await newRelease("bad-migration");
    const spec = specFor(image, {
      releaseCommand: ["node", "-e", "console.error('migration 42 failed'); process.exit(3)"],
    });
    const result = await failingRollout(
      spec,
      AGENT_EXIT.releaseCommand,
      /release command .* failed.*migration 42 failed/,
    );
    const host1 = (await statuses())[0]!;
    assert.ok(
      !host1.containers.some((c) => c.image === image),
      "a container of the failed release exists",
    );
    assert.equal(result.results[0]!.summary?.outcome, "failed");
  });

  it("when nginx rejects its config, the upstream file is put back and nginx keeps serving the old release", async () => {
    const proxy = "berth-demo-local-proxy";
    const upstream = "/var/lib/berth/berth-demo-local/proxy/upstream.conf";
    const before = await onHost(0, `sudo -n cat ${upstream}`);
    assert.equal(before.code, 0, before.stderr);
    // A file nginx includes becomes unreadable to it: the running master keeps its loaded config,
    // but `nginx -t` (run by the agent before any reload) now fails.
    const breakIt = await onHost(
      0,
      `sudo -n docker exec -u 0 ${proxy} chmod 000 /etc/nginx/runtime/trusted-proxies.conf`,
    );
    assert.equal(breakIt.code, 0, breakIt.stderr);
    try {
      const image = await newRelease("nginx-rejects");
      await failingRollout(specFor(image), AGENT_EXIT.proxy, /nginx rejected the new upstream/);
      const after = await onHost(0, `sudo -n cat ${upstream}`);
      assert.equal(after.stdout, before.stdout, "the upstream file was not put back");
    } finally {
      const fix = await onHost(
        0,
        `sudo -n docker exec -u 0 ${proxy} chmod 0644 /etc/nginx/runtime/trusted-proxies.conf`,
      );
      assert.equal(fix.code, 0, fix.stderr);
    }
    const check = await onHost(0, `sudo -n docker exec ${proxy} nginx -t`);
    assert.equal(check.code, 0, check.stderr);
  });

  it("when nginx -s reload fails, the previous upstream is put back before the new container goes", async () => {
    const proxy = "berth-demo-local-proxy";
    const upstream = "/var/lib/berth/berth-demo-local/proxy/upstream.conf";
    const before = await onHost(0, `sudo -n cat ${upstream}`);
    assert.equal(before.code, 0, before.stderr);
    // Without its pid file, `nginx -t` passes but `nginx -s reload` cannot signal the master.
    const breakIt = await onHost(0, `sudo -n docker exec -u 0 ${proxy} rm /run/nginx/nginx.pid`);
    assert.equal(breakIt.code, 0, breakIt.stderr);
    try {
      const image = await newRelease("reload-fails");
      await failingRollout(specFor(image), AGENT_EXIT.proxy, /nginx -s reload failed/);
      const after = await onHost(0, `sudo -n cat ${upstream}`);
      assert.equal(
        after.stdout,
        before.stdout,
        "the upstream file still names the removed container",
      );
    } finally {
      const fix = await onHost(0, `sudo -n docker restart ${proxy}`);
      assert.equal(fix.code, 0, fix.stderr);
    }
  });

  it("a new proxy image that cannot serve is refused before the running proxy is touched", async () => {
    const proxy = "berth-demo-local-proxy";
    const idOf = async () =>
      (await onHost(0, `sudo -n docker inspect -f '{{.Id}}' ${proxy}`)).stdout.trim();
    const proxyBefore = await idOf();
    // nginx starts, but its config no longer includes the app upstream: every request is a 404.
    const brokenProxy = await newProxyRelease("proxy-broken", [
      "USER root",
      "RUN sed -i 's|proxy_pass http://app;|return 404;|' /etc/nginx/nginx.conf",
      "USER nginx",
    ]);
    const image = await newRelease("with-broken-proxy");
    const spec = { ...specFor(image), proxyImage: brokenProxy };
    spec.timeouts = { ...spec.timeouts, healthSeconds: 6 };
    await failingRollout(
      spec,
      AGENT_EXIT.proxy,
      /the new proxy image \S+ did not serve \/healthz within 6s; \S+ was not touched/,
    );
    assert.equal(await idOf(), proxyBefore, "the running proxy was replaced");
  });
});
