/**
 * berth:schedule on the fleet: the rollout's first host runs each due job once a minute, as a
 * one-off container of the current release, and no other host does; a run still going when the
 * next is due is refused; a failing run's exit code is logged; after a deploy, the jobs run the
 * new release; a deploy without jobs removes them. The fleet's hosts run no systemd: their
 * entrypoint calls the agent's `tick` each minute where AWS hosts have the agent's timer.
 */
import * as assert from "node:assert/strict";
import { ScheduledJob } from "../../infra/src/agent/contract";
import { scheduledJob } from "../../infra/src/schedule";
import { waitFor } from "../../fleet/src/wait";
import {
  STATE,
  deploy,
  figure,
  hosts,
  newRelease,
  onHost,
  specFor,
  statusOf,
} from "./support/fleet";

interface JobEvent {
  at: string;
  event: "started" | "finished" | "skipped" | "failed to start";
  job: string;
  release?: string;
  exitCode?: number;
}

async function events(index: number): Promise<JobEvent[]> {
  const r = await onHost(index, `sudo -n cat ${STATE}/schedule.log 2>/dev/null || true`);
  return r.stdout
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as JobEvent);
}

const JOBS: ScheduledJob[] = [
  scheduledJob({
    name: "quick",
    cron: "* * * * *",
    command: ["node", "-e", "console.log('release', process.env.APP_RELEASE)"],
  }),
  // Outlives a minute, so the next minute's run finds it still going; then fails.
  scheduledJob({
    name: "slow",
    cron: "* * * * *",
    command: ["node", "-e", "setTimeout(() => process.exit(3), 75000)"],
  }),
];

describe("fleet: scheduled jobs run once a minute, on one host, with the current release", () => {
  after(async () => {
    await onHost(
      0,
      "sudo -n sh -c 'docker ps -aq --filter label=berth.role=job | xargs -r docker rm -f' >/dev/null",
    );
  });

  it("runs, refuses an overlap, logs a failure's exit code, follows a deploy, and goes with the jobs", async function () {
    this.timeout(8 * 60 * 1000);
    const v1 = await newRelease("schedule-v1");
    const first = await deploy(specFor(v1, { schedule: JOBS }));
    assert.equal(first.ok, true, first.error ?? "");
    const r1 = (await statusOf(0)).release;
    for (const index of [1, 2]) {
      const r = await onHost(
        index,
        `sudo -n test -e ${STATE}/schedule.json && echo present || echo absent`,
      );
      assert.equal(r.stdout.trim(), "absent", `${hosts()[index]!.name} keeps a schedule`);
    }

    // Two minutes of ticks: quick starts each minute; slow's second run is refused.
    const twoMinutes = await waitFor(
      "two minutes of scheduled runs on host-1",
      async () => {
        const seen = await events(0);
        return seen.filter((e) => e.job === "quick" && e.event === "started").length >= 2 &&
          seen.some((e) => e.job === "slow" && e.event === "skipped")
          ? seen
          : undefined;
      },
      { timeoutMs: 200_000, intervalMs: 3000 },
    );
    assert.ok(
      twoMinutes.filter((e) => e.event === "started").every((e) => e.release === r1),
      JSON.stringify(twoMinutes),
    );

    const v2 = await newRelease("schedule-v2");
    const second = await deploy(specFor(v2, { schedule: JOBS }));
    assert.equal(second.ok, true, second.error ?? "");
    const r2 = (await statusOf(0)).release;
    assert.notEqual(r2, r1);
    const all = await waitFor(
      "a scheduled run of the new release, and slow's exit code",
      async () => {
        const seen = await events(0);
        return seen.some((e) => e.job === "quick" && e.event === "started" && e.release === r2) &&
          seen.some((e) => e.job === "slow" && e.event === "finished")
          ? seen
          : undefined;
      },
      { timeoutMs: 200_000, intervalMs: 3000 },
    );
    figure(
      "schedule events on host-1",
      all.map((e) => `${e.at.slice(11, 16)} ${e.job} ${e.event}`).join(", "),
    );

    // Once a minute: quick never started twice in one minute, and started in consecutive minutes.
    const minutes = all
      .filter((e) => e.job === "quick" && e.event === "started")
      .map((e) => Math.floor(Date.parse(e.at) / 60_000));
    assert.equal(new Set(minutes).size, minutes.length, `a minute with two runs: ${minutes}`);
    minutes
      .slice(1)
      .forEach((m, i) => assert.equal(m - minutes[i]!, 1, `a minute without a run: ${minutes}`));
    const slowDone = all.find((e) => e.job === "slow" && e.event === "finished");
    assert.equal(slowDone?.exitCode, 3);
    assert.equal(slowDone?.release, r1);
    const quickDone = all.filter((e) => e.job === "quick" && e.event === "finished");
    assert.ok(
      quickDone.length >= 2 && quickDone.every((e) => e.exitCode === 0),
      JSON.stringify(quickDone),
    );

    // No other host ran anything.
    for (const index of [1, 2]) {
      assert.deepEqual(await events(index), [], `${hosts()[index]!.name} ran scheduled jobs`);
      const jobs = await onHost(index, "sudo -n docker ps -aq --filter label=berth.role=job");
      assert.equal(jobs.stdout.trim(), "", `${hosts()[index]!.name} has job containers`);
    }

    // A deploy without jobs removes them from host-1.
    const third = await deploy(specFor(v2));
    assert.equal(third.ok, true, third.error ?? "");
    const gone = await onHost(
      0,
      `sudo -n test -e ${STATE}/schedule.json && echo present || echo absent`,
    );
    assert.equal(gone.stdout.trim(), "absent");
  });
});
