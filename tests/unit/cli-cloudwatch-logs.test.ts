/**
 * `berth logs` on a stack whose app logs go to CloudWatch (berth:appLogs): the groups the program
 * creates, --since, the newest --tail events merged across groups, --follow printing each event
 * once, --grep, nginx and --host over SSH, and the fallback with --ssh. The AWS client is a fake
 * that answers FilterLogEvents from a list of events, page by page.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  FilteredLogEvent,
  LogsClient,
  LogsRequest,
  logGroupsFor,
  readCloudWatchLogs,
  sinceMillis,
} from "../../cli/src/cloudwatch-logs";
import { CliDeps, main } from "../../cli/src/index";
import { CliError } from "../../cli/src/pulumi";

type Stored = FilteredLogEvent & { group: string };

/** Answers FilterLogEvents from `events` (two per page), recording every request. */
function fakeClient(events: Stored[]) {
  const requests: LogsRequest[] = [];
  const client: LogsClient = {
    async send(command) {
      const input = command.input;
      requests.push(input);
      const matching = events.filter(
        (e) => e.group === input.logGroupName && (e.timestamp ?? 0) >= (input.startTime ?? 0),
      );
      const offset = Number(input.nextToken ?? 0);
      const page = matching.slice(offset, offset + 2).map(({ group: _group, ...e }) => e);
      const next = offset + 2 < matching.length ? String(offset + 2) : undefined;
      return { events: page, nextToken: next };
    },
  };
  return { client, requests };
}

const T0 = Date.parse("2026-11-30T10:00:00Z");
const event = (group: string, id: string, seconds: number, message: string): Stored => ({
  group,
  eventId: id,
  timestamp: T0 + seconds * 1000,
  logStreamName: `ip-10-0-1-5/shop-prod-${group.endsWith("web") ? "web" : "worker"}-1`,
  message,
});
const WEB = "/berth/shop/prod/web";
const WORKER = "/berth/shop/prod/worker";

describe("berth logs from CloudWatch (berth:appLogs)", () => {
  it("names the program's groups; nginx's logs are only on the hosts", () => {
    assert.deepEqual(logGroupsFor("shop", "prod", ["app", "worker"]), [WEB, WORKER]);
    assert.throws(() => logGroupsFor("shop", "prod", ["app", "nginx"]), /add --ssh/);
  });

  it("--since takes durations and dates, and refuses anything else in one line", () => {
    assert.equal(sinceMillis("10m", T0), T0 - 600_000);
    assert.equal(sinceMillis("2h", T0), T0 - 7_200_000);
    assert.equal(sinceMillis("2026-11-30T09:00:00Z", T0), T0 - 3_600_000);
    assert.throws(() => sinceMillis("yesterday", T0), /--since must be a duration like 10m/);
  });

  it("prints the newest --tail events of every group, merged by time, across pages", async () => {
    const { client, requests } = fakeClient([
      event(WEB, "w1", 1, "GET / 200"),
      event(WEB, "w2", 4, "GET /a 200"),
      event(WEB, "w3", 6, "GET /b 500\n"),
      event(WORKER, "k1", 2, "job 1 done"),
      event(WORKER, "k2", 5, "job 2 done"),
    ]);
    const out: string[] = [];
    await readCloudWatchLogs({
      client,
      groups: [WEB, WORKER],
      startTime: T0,
      tail: 3,
      follow: false,
      out: (l) => out.push(l),
    });
    assert.deepEqual(out, [
      "ip-10-0-1-5/shop-prod-web-1 2026-11-30T10:00:04.000Z GET /a 200",
      "ip-10-0-1-5/shop-prod-worker-1 2026-11-30T10:00:05.000Z job 2 done",
      "ip-10-0-1-5/shop-prod-web-1 2026-11-30T10:00:06.000Z GET /b 500",
    ]);
    assert.ok(
      requests.some((r) => r.nextToken === "2"),
      "the second page was never asked for",
    );
    assert.ok(requests.every((r) => r.startTime === T0));
  });

  it("--follow prints each new event once, also one that arrives late with an older time", async () => {
    const events = [event(WEB, "w1", 1, "first")];
    const { client } = fakeClient(events);
    const out: string[] = [];
    let polls = 0;
    await readCloudWatchLogs({
      client,
      groups: [WEB],
      startTime: T0,
      tail: 100,
      follow: true,
      maxPolls: 3,
      out: (l) => out.push(l),
      sleep: async () => {
        polls++;
        if (polls === 1) events.push(event(WEB, "w2", 8, "second"));
        if (polls === 2) events.push(event(WEB, "w3", 7, "late, older than second"));
      },
    });
    assert.deepEqual(
      out.map((l) => l.split(" ").slice(2).join(" ")),
      ["first", "second", "late, older than second"],
    );
  });

  describe("the command", () => {
    function repoWith(appLogs: boolean) {
      const root = mkdtempSync(join(tmpdir(), "berth-logs-"));
      writeFileSync(
        join(root, "Pulumi.prod.yaml"),
        [
          "config:",
          "  aws:region: eu-west-1",
          "  berth:app: shop",
          ...(appLogs ? ["  berth:appLogs:", "    enabled: true"] : []),
        ].join("\n"),
      );
      return root;
    }
    function deps(root: string, client: LogsClient) {
      const out: string[] = [];
      const err: string[] = [];
      const sshCalls: string[][] = [];
      const regions: string[] = [];
      const d: CliDeps = {
        resolveTarget: () => {
          throw new CliError("the SSH path needs the stack's outputs (pulumi)", 1);
        },
        capture: async () => ({ code: 0, stdout: "", stderr: "" }),
        stream: async (argv) => {
          sshCalls.push(argv);
          return 0;
        },
        interactive: async () => 0,
        pulumi: () => ({ status: null, stdout: "", stderr: "", missing: true }),
        root,
        out: (t) => out.push(t),
        err: (t) => err.push(t),
        cloudWatchLogs: (region) => {
          regions.push(region);
          return client;
        },
      };
      return { d, out, err, sshCalls, regions };
    }
    const recent = (seconds: number, id: string, message: string): Stored => ({
      ...event(WEB, id, 0, message),
      timestamp: Date.now() - seconds * 1000,
    });

    it("reads CloudWatch in the stack's region, with --grep, without SSH or pulumi", async () => {
      const root = repoWith(true);
      try {
        const { client } = fakeClient([
          recent(30, "a", "GET /health 200"),
          recent(20, "b", "GET /orders 500"),
        ]);
        const { d, out, sshCalls, regions } = deps(root, client);
        assert.equal(await main(["logs", "-s", "prod", "--grep", "500"], d), 0);
        assert.deepEqual(regions, ["eu-west-1"]);
        assert.equal(out.length, 1);
        assert.match(out[0] ?? "", /GET \/orders 500$/);
        assert.equal(sshCalls.length, 0);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });

    it("says what to do when CloudWatch cannot be read", async () => {
      const root = repoWith(true);
      try {
        const failing: LogsClient = {
          send: async () => {
            throw new Error("Could not load credentials from any providers");
          },
        };
        const { d, err } = deps(root, failing);
        assert.equal(await main(["logs", "-s", "prod"], d), 1);
        assert.match(err.join("\n"), /needs AWS credentials of the stack's account.*or add --ssh/);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });

    it("goes over SSH with --ssh, for nginx's lines, and where the stack has no appLogs", async () => {
      for (const [appLogs, argv] of [
        [true, ["logs", "-s", "prod", "--ssh"]],
        [true, ["logs", "-s", "prod", "--host", "host-1"]],
        [false, ["logs", "-s", "prod"]],
      ] as const) {
        const root = repoWith(appLogs);
        try {
          const { client, requests } = fakeClient([]);
          const { d, err } = deps(root, client);
          assert.equal(await main([...argv], d), 1, argv.join(" "));
          assert.match(err.join("\n"), /the SSH path needs the stack's outputs/, argv.join(" "));
          assert.equal(requests.length, 0);
        } finally {
          rmSync(root, { recursive: true, force: true });
        }
      }
      const root = repoWith(true);
      try {
        const { d, err } = deps(root, fakeClient([]).client);
        assert.equal(await main(["logs", "-s", "prod", "-p", "nginx"], d), 2);
        assert.match(err.join("\n"), /nginx's logs stay on the hosts.*add --ssh/);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });
  });
});
