/**
 * berth:schedule's expressions as the agent matches them (infra/src/schedule.ts): the lists each
 * field allows and cron's day rule. The agent's own matching is checked against cron-parser's
 * schedule in agent-schedule.test.ts.
 */
import assert from "node:assert/strict";
import { cronProblem, scheduledJob } from "../../infra/src/schedule";

const job = (cron: string) => scheduledJob({ name: "report", cron, command: ["node", "r.js"] });

describe("berth:schedule: cron expressions as the agent matches them", () => {
  it("expands steps, ranges and lists, in UTC", () => {
    const j = job("*/20 9-11 1,15 */6 1-5");
    assert.deepEqual(j.minute, [0, 20, 40]);
    assert.deepEqual(j.hour, [9, 10, 11]);
    assert.deepEqual(j.dayOfMonth, [1, 15]);
    assert.deepEqual(j.month, [1, 7]);
    assert.deepEqual(j.dayOfWeek, [1, 2, 3, 4, 5]);
    assert.equal(j.command.join(" "), "node r.js");
  });

  it("Sunday is 0 whether written 0 or 7", () => {
    assert.deepEqual(job("0 0 * * 7").dayOfWeek, [0]);
    assert.deepEqual(job("0 0 * * 5-7").dayOfWeek, [0, 5, 6]);
  });

  it("day of month and day of week: both must match unless both are restricted (cron's rule)", () => {
    assert.equal(job("0 0 * * 1").days, "both");
    assert.equal(job("0 0 13 * *").days, "both");
    assert.equal(job("0 0 13 * 5").days, "either");
    assert.equal(job("@weekly").days, "both");
    assert.deepEqual(job("@weekly").dayOfWeek, [0]);
    assert.equal(job("@daily").dayOfWeek.length, 7);
  });

  it("refuses what the agent cannot match, in one line each", () => {
    assert.match(cronProblem("* * * *") ?? "", /^has 4 fields; berth takes five/);
    assert.match(cronProblem("0 0 15W * *") ?? "", /^uses L, W, # or \?/);
    assert.match(cronProblem("@reboot") ?? "", /^is not a schedule macro berth knows/);
    assert.match(cronProblem("0 25 * * *") ?? "", /^is not a valid cron expression/);
    assert.equal(cronProblem("*/15 * * * *"), undefined);
    assert.throws(() => job("* * *"), /^Error: schedule job report: "\* \* \*" has 3 fields/);
  });
});
