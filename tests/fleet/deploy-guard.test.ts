import * as assert from "node:assert/strict";
import { AGENT_EXIT, ReleaseSpec } from "../../infra/src/agent/contract";
import { RELEASE_GUARD_DEFAULTS } from "../../infra/src/agent/specSchema";
import { underLoad } from "./support/load";
import {
  STATE,
  assertAllOn,
  backgroundOf,
  convergedRelease,
  deploy,
  figure,
  hosts,
  lbUrl,
  newRelease,
  onHost,
  servedDigests,
  settled,
  specFor,
  statusOf,
} from "./support/fleet";

/**
 * A web process that is healthy and answers 200 on the given paths, and 500 on every other one:
 * the release that passes a health gate and fails real traffic.
 */
function healthyButFailing(okPaths: string[]): string[] {
  return [
    "node",
    "-e",
    `const ok = new Set([process.env.HEALTH_PATH, ...${JSON.stringify(okPaths)}]);
     require("http").createServer((q, s) => {
       const path = q.url.split("?")[0];
       s.writeHead(ok.has(path) ? 200 : 500, { "content-type": "application/json" });
       s.end(JSON.stringify({ path }));
     }).listen(process.env.PORT);`,
  ];
}

function withWeb(spec: ReleaseSpec, command: string[]): ReleaseSpec {
  return { ...spec, web: { ...spec.web, command } };
}

const failed = (load: { errors: number; timeouts: number; non2xx: number }) =>
  load.errors + load.timeouts + load.non2xx;

describe("fleet: the deploy guard (smoke checks, bake, switch-back)", () => {
  let current = "";

  beforeEach(async () => {
    current = await convergedRelease("guard-base");
  });

  it("a release whose routes fail is stopped by the smoke check before any switch, with 0 failed requests", async () => {
    const image = await newRelease("smoke-fails");
    const spec = withWeb(specFor(image), healthyButFailing([]));
    const { result, load } = await underLoad(lbUrl("/"), () => deploy(spec));
    figure("smoke-stopped rollout requests", load);
    assert.equal(result.ok, false);
    assert.equal(result.results.length, 1, "the rollout went on after the smoke check failed");
    assert.equal(result.results[0]!.exitCode, AGENT_EXIT.smoke, result.error ?? "");
    assert.match(result.error ?? "", /smoke check failed: GET \/ on \S+ answered 500/);
    assert.equal(failed(load), 0, "requests failed while the smoke check stopped the release");
    await assertAllOn(current);
    assert.deepEqual(await servedDigests(), new Set([current]));
  });

  it("a release that fails only under real traffic is switched back by the bake, and the rollout stops", async () => {
    const image = await newRelease("bake-fails");
    // "/" passes the smoke check; /version (what the load asks for) answers 500.
    const spec = withWeb(
      specFor(image, { guard: { ...RELEASE_GUARD_DEFAULTS, bakeSeconds: 10 } }),
      healthyButFailing(["/"]),
    );
    const { result, load } = await underLoad(lbUrl("/version"), () => deploy(spec), {
      rate: 150,
    });
    const host1 = result.results[0]!;
    const bake = host1.summary?.bake;
    figure("bake switch-back", {
      answered5xxByTheBadRelease: bake?.errors,
      failedAtTheClient: failed(load),
      sent: load.sent,
      switchBackAfterMs: bake?.switchBackAfterMs,
      bake,
    });
    assert.equal(result.ok, false);
    assert.equal(host1.exitCode, AGENT_EXIT.switchedBack, result.error ?? "");
    assert.equal(result.results.length, 1, "the rollout went on after a switch-back");
    assert.equal(bake?.verdict, "switched-back");
    assert.ok(bake.errors >= 1 && bake.errors <= bake.requests, JSON.stringify(bake));
    assert.ok(
      bake.switchBackAfterMs !== null && bake.switchBackAfterMs < 10_000,
      "the switch-back waited for the end of the bake",
    );
    assert.match(host1.error ?? "", /the bake saw \d+ 5xx in \d+ requests .* switched back to/);
    // The bake proved itself on real requests: the bad release answered some before it went.
    // (The fleet's LB retries a GET that got a 5xx on another host, so its clients may see none
    // of them; an ALB does not retry, and its clients would see these.)
    assert.ok(bake.errors > 0, "no request reached the bad release: the bake proved nothing");
    await assertAllOn(current);
    assert.deepEqual(await servedDigests(), new Set([current]));
    const status = await statusOf(0);
    assert.ok(
      !status.containers.some((c) => c.image === image && c.state === "running"),
      "a container of the switched-back release still runs",
    );
  });

  it("a failure in a later batch switches the hosts of earlier batches back: the fleet stays on one release", async () => {
    const image = await newRelease("later-batch-fails");
    const lock = `${STATE}/lock`;
    const { result, load } = await underLoad(lbUrl("/"), () =>
      deploy(specFor(image), {
        // Once host-1 took the release, host-2's deploy lock is held by someone else.
        afterBatch: async (done) => {
          if (done[0] !== "host-1") return;
          const hold = await onHost(
            1,
            `sudo -n setsid flock ${lock} sleep 37 </dev/null >/dev/null 2>&1 & sleep 0.3`,
          );
          assert.equal(hold.code, 0, hold.stderr);
        },
      }),
    );
    try {
      figure("switch-back across batches requests", load);
      assert.equal(result.ok, false);
      assert.equal(result.results[1]?.exitCode, AGENT_EXIT.locked, result.error ?? "");
      assert.match(result.error ?? "", /switched back: host-1/);
      assert.equal(failed(load), 0, "requests failed while host-1 was switched back");
      await assertAllOn(current);
    } finally {
      await onHost(1, "sudo -n pkill -f 'sleep 37' || true");
    }
  });

  it("a background failure (the old release's drain) shows in status and in the next deploy", async () => {
    const next = await newRelease("background-fails");
    const host1 = [hosts()[0]!];
    const spec = specFor(next, {
      timeouts: { healthSeconds: 20, drainSeconds: 6, stopSeconds: 10 },
    });
    const result = await deploy(spec, { only: host1, settle: false });
    assert.equal(result.ok, true, result.error ?? "");
    assert.equal(result.results[0]!.summary?.background?.state, "running");
    // The deploy returned (its SSH session closed) while the drain still runs on the host.
    assert.equal((await backgroundOf(0))?.state, "running", "the deploy waited for its drain");
    // The old web container disappears while the background work drains it.
    const remove = await onHost(
      0,
      `sudo -n docker ps --filter label=berth.role=web --format '{{.Names}} {{.Label "berth.release"}}' | ` +
        `grep -v " $(sudo -n cat ${STATE}/current)$" | cut -d' ' -f1 | xargs -r sudo -n docker rm -f`,
    );
    assert.equal(remove.code, 0, remove.stderr);
    await settled();
    const background = await backgroundOf(0);
    assert.equal(background?.state, "failed", JSON.stringify(background));
    assert.match(background.reason, /docker stop|No such container|unexpected error/);
    assert.equal((await statusOf(0)).background?.state, "failed");

    const again = await newRelease("after-background-failure");
    const following = await deploy(specFor(again), { only: host1 });
    assert.equal(following.ok, true, following.error ?? "");
    const reported = following.results[0]!.summary?.previousBackgroundFailure;
    assert.equal(reported?.state, "failed");
    assert.equal(reported.release, background.release);
    assert.match(
      following.results[0]!.stderr,
      /WARNING: the previous deploy's background work failed/,
    );
    assert.equal((await backgroundOf(0))?.state, "succeeded");
  });
});
