import * as assert from "node:assert/strict";
import { docker } from "../../fleet/src/exec";
import { fleetNames } from "../../fleet/src/settings";
import { waitFor } from "../../fleet/src/wait";
import {
  convergedRelease,
  figure,
  onHost,
  refreshFleet,
  servedDigests,
  settings,
  statuses,
} from "./support/fleet";

/** Waits until `check` holds (a failing check counts as not yet) and returns how long that took. */
async function waitUntil(what: string, seconds: number, check: () => Promise<boolean>) {
  const started = Date.now();
  await waitFor(what, async () => ((await check()) ? true : undefined), {
    timeoutMs: seconds * 1000,
    intervalMs: 1000,
  });
  return Date.now() - started;
}

describe("fleet: the service comes back by itself", () => {
  before(async () => {
    await convergedRelease("self-healing-base");
  });

  it("after the app container crashes (killed from the host)", async () => {
    const before = (await statuses())[0]!;
    const web = before.containers.find((c) => c.role === "web" && c.state === "running")!;
    const kill = await onHost(
      0,
      `sudo -n sh -c 'kill -9 $(docker inspect --format "{{.State.Pid}}" ${web.name})'`,
    );
    assert.equal(kill.code, 0, kill.stderr);
    const ms = await waitUntil("host-1 healthy again", 60, async () => {
      const s = (await statuses())[0]!;
      const again = s.containers.find((c) => c.id === web.id);
      return s.healthy && again?.state === "running";
    });
    figure("app container back after a crash (ms)", ms);
    const restarts = await onHost(
      0,
      `sudo -n docker inspect --format '{{.RestartCount}}' ${web.name}`,
    );
    assert.ok(Number(restarts.stdout.trim()) >= 1, "the container was not restarted by its policy");
  });

  it("after the host container restarts (a reboot)", async () => {
    const image = (await statuses())[2]!.image;
    await docker(["restart", fleetNames(settings.prefix).host(3)]);
    const ms = await waitUntil("host-3 serving again after a restart", 120, async () => {
      await refreshFleet();
      const s = (await statuses())[2]!;
      return s.healthy && s.image === image;
    });
    figure("host back after a restart (ms)", ms);
    assert.deepEqual(await servedDigests(), new Set([image]));
  });
});
