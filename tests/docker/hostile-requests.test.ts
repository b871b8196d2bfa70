/**
 * The corpus in hostile-requests-corpus.ts over raw TCP, straight to the app and through nginx.
 * Each request must get exactly its expected answer, with no stack trace or file path in it, and
 * leave the app process as it was: same PID, no restart, GET / still 200. The app container gets
 * a restart policy, as on a host, so a request that kills the process shows up as a restart.
 */
import assert from "node:assert/strict";
import { docker, inspect, publishedAddress, waitFor } from "../support/docker";
import { startStack, Stack, stopStack } from "./fixture";
import { HOSTILE_REQUESTS, HostileRequest } from "./hostile-requests-corpus";
import { request } from "./http";
import { RawAnswer, sendRaw } from "./raw-http";

/** What a stack trace or a source location looks like in an answer. */
const LEAK = /\n\s*at |node:internal|\/app\/|\/dist\/|\.[jt]s:\d+/;

/** The answer in the corpus's terms: "404", "nginx 400", "app 404", "closed"... */
function outcome(answer: RawAnswer, viaNginx: boolean): string {
  if (answer.status === null) {
    if (answer.text) return `no status line: ${JSON.stringify(answer.text.slice(0, 80))}`;
    return answer.end === "timeout" ? "no answer in time" : "closed";
  }
  if (!viaNginx) return String(answer.status);
  // nginx's own errors: its HTML pages, and the JSON ones (413, 502...) that carry its request id.
  const byNginx = /<center>nginx<\/center>|"request_id":"[0-9a-f]{32}"/.test(answer.text);
  return `${byNginx ? "nginx" : "app"} ${answer.status}`;
}

describe("hostile and malformed requests, over raw TCP", function () {
  let stack: Stack;
  let firstPid: string;

  before(async function () {
    this.timeout(900_000);
    stack = await startStack("hostile", { publish: true, env: { HEADERS_TIMEOUT_MS: "2000" } });
    await docker(["update", "--restart", "on-failure", stack.app]);
    firstPid = await inspect(stack.app, "{{.State.Pid}}");
  });

  after(async function () {
    this.timeout(60_000);
    await stopStack(stack);
  });

  const appProcess = () => inspect(stack.app, "pid {{.State.Pid}}, {{.RestartCount}} restarts");

  /**
   * Once the app answers GET /: its published address (a restart moves it) and which process it
   * is. Waiting here lets the request after one that killed the app start from a running app.
   */
  function appNow(): Promise<{ address: string; process: string }> {
    return waitFor(
      "the app to answer GET /",
      async () => {
        const address = await publishedAddress(stack.app, 3000);
        if ((await request(`http://${address}/`, { timeoutMs: 2000 })).status !== 200) return;
        return { address, process: await appProcess() };
      },
      { timeoutMs: 60_000 },
    );
  }

  async function check(hostile: HostileRequest, viaNginx: boolean): Promise<void> {
    const before = await appNow();
    const address = viaNginx ? stack.url.replace("http://", "") : before.address;
    const slow = hostile.category === "slow headers";
    const answer = await sendRaw(address, Buffer.from(hostile.bytes, "latin1"), {
      timeoutMs: slow ? 25_000 : 10_000,
      trickle: hostile.trickle === undefined ? undefined : Buffer.from(hostile.trickle, "latin1"),
    });

    assert.doesNotMatch(answer.text, LEAK, "no stack trace or file path in the answer");
    assert.equal(outcome(answer, viaNginx), String(viaNginx ? hostile.nginx : hostile.app));
    const next = await request(`http://${address}/`, { timeoutMs: 5000 });
    assert.equal(next.status, 200, "the next normal request");
    assert.equal(await appProcess(), before.process, "the same app process");
  }

  for (const viaNginx of [false, true]) {
    describe(viaNginx ? "through nginx" : "straight to the app", function () {
      const categories = [...new Set(HOSTILE_REQUESTS.map((hostile) => hostile.category))];
      for (const category of categories) {
        describe(category, function () {
          for (const hostile of HOSTILE_REQUESTS.filter((h) => h.category === category)) {
            it(hostile.name, async function () {
              this.timeout(120_000);
              await check(hostile, viaNginx);
            });
          }
        });
      }

      // A suite of its own: mocha runs a suite's tests before its sub-suites.
      describe("afterwards", function () {
        it("the app process is the one it started with: never restarted, same PID", async function () {
          assert.equal(await inspect(stack.app, "{{.RestartCount}}"), "0");
          assert.equal(await inspect(stack.app, "{{.State.Pid}}"), firstPid);
        });
      });
    });
  }

  it("has at least 40 requests, each refused with a 4xx (or by nginx) unless nginx repairs it", function () {
    assert.ok(HOSTILE_REQUESTS.length >= 40, `${HOSTILE_REQUESTS.length} requests`);
    for (const { name, app, nginx, nginxRewrites } of HOSTILE_REQUESTS) {
      assert.ok(app >= 400 && app < 500, `${name}: the app answers ${app}`);
      const refused = /^(nginx [45]\d\d|app 4\d\d|closed)$/.test(nginx);
      assert.ok(refused !== (nginxRewrites !== undefined), `${name}: through nginx ${nginx}`);
    }
  });
});
