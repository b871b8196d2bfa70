import * as assert from "node:assert/strict";
import { AGENT_EXIT, AgentStatus } from "../../infra/src/agent/contract";
import {
  assertAllOn,
  convergedRelease,
  deploy,
  figure,
  hosts,
  newRelease,
  specFor,
  statuses,
} from "./support/fleet";

const runningWorkers = (status: AgentStatus) =>
  status.containers.filter((c) => c.role === "worker" && c.state === "running");

describe("fleet: the worker process is replaced with each release", () => {
  before(async () => {
    await convergedRelease("workers-base");
  });

  it("every host ends with one running worker, of the new release; the old one is stopped", async () => {
    const before = await statuses();
    const oldWorkers = before.flatMap(runningWorkers).map((c) => c.id);
    assert.equal(oldWorkers.length, hosts().length, "expected one worker per host before");

    const image = await newRelease("workers");
    const result = await deploy(specFor(image));
    assert.equal(result.ok, true, result.error ?? "");
    for (const r of result.results)
      figure(`${r.host} workers phase (ms)`, r.summary?.durationsMs.workers);

    for (const status of await assertAllOn(image)) {
      const workers = runningWorkers(status);
      assert.equal(workers.length, 1, `${status.host}: ${workers.length} running workers`);
      assert.equal(workers[0]!.image, image);
      const stopped = status.containers.filter((c) => oldWorkers.includes(c.id));
      for (const c of stopped) assert.notEqual(c.state, "running", `${c.name} still runs`);
    }
  });

  it("a worker that does not stay up switches the host back: the old web container and worker keep running", async () => {
    const good = (await statuses())[0]!;
    const oldWorker = runningWorkers(good)[0]!;
    const oldWeb = good.containers.find((c) => c.role === "web" && c.state === "running")!;
    const image = await newRelease("worker-crash");
    const spec = specFor(image, {
      worker: {
        command: ["node", "-e", "console.error('queue unreachable'); process.exit(3)"],
        count: 1,
      },
    });
    const result = await deploy(spec, { only: [hosts()[0]!] });
    assert.equal(result.ok, false);
    assert.equal(result.results[0]!.exitCode, AGENT_EXIT.failed, result.error ?? "");
    assert.match(result.error ?? "", /did not stay up.*queue unreachable.*switched back to/);

    const after = (await statuses())[0]!;
    assert.equal(after.image, good.image, "host-1 left the release it served");
    assert.deepEqual(
      runningWorkers(after).map((c) => c.id),
      [oldWorker.id],
      "the old worker is not the only one running",
    );
    assert.ok(
      after.containers.some((c) => c.id === oldWeb.id && c.state === "running"),
      "the old web container was drained or stopped, or is not the one serving",
    );
    assert.ok(
      !after.containers.some((c) => c.image === image),
      "a container of the failed release was left behind",
    );
    await assertAllOn(good.image);
  });
});
