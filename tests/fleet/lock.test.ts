import * as assert from "node:assert/strict";
import { AGENT_EXIT, parseAgentSummary } from "../../infra/src/agent/contract";
import { renderDeployCommand, renderDeployStdin } from "../../infra/src/agent/invocation";
import {
  STATE,
  configHashKey,
  convergedRelease,
  deploy,
  helperLogin,
  newRelease,
  onHost,
  settled,
  specFor,
} from "./support/fleet";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const HOLDER = `${STATE}/lock.holder`;

describe("fleet: one deploy at a time per host", () => {
  let next = "";

  before(async () => {
    await convergedRelease("lock-base");
  });

  after(async () => {
    if (next) assert.equal((await deploy(specFor(next))).ok, true);
  });

  it("refuses a second deploy on the same host while one runs, naming the holder", async () => {
    next = await newRelease("v4");
    const spec = specFor(next);
    const command = renderDeployCommand(spec, configHashKey());
    const stdin = renderDeployStdin(spec, helperLogin());
    const first = onHost(0, command, stdin);
    let second = null;
    for (let i = 0; i < 40; i++) {
      await sleep(250);
      if ((await onHost(0, `sudo -n cat ${HOLDER}`)).stdout.includes("pid")) {
        second = await onHost(0, command, stdin);
        break;
      }
    }
    assert.ok(second, "the first deploy never took the lock");
    assert.equal(second.code, AGENT_EXIT.locked, second.stderr);
    assert.match(
      parseAgentSummary(second.stdout)?.reason ?? "",
      /another deploy holds the lock .*: pid \d+, deploy \S+@sha256:[0-9a-f]{64} by ec2-user since /,
    );
    const done = await first;
    assert.equal(done.code, 0, done.stderr);
  });

  it("a lock left by a dead deploy does not block the next one", async () => {
    await settled(); // the previous test's deploy finishes its background work first
    const image = await newRelease("v4b");
    const spec = specFor(image);
    const command = renderDeployCommand(spec, configHashKey());
    const stdin = renderDeployStdin(spec, helperLogin());
    const doomed = onHost(0, command, stdin);
    let pid = "";
    for (let i = 0; i < 40 && !pid; i++) {
      await sleep(250);
      pid = /pid (\d+)/.exec((await onHost(0, `sudo -n cat ${HOLDER}`)).stdout)?.[1] ?? "";
    }
    assert.ok(pid, "the deploy never took the lock");
    await onHost(0, `sudo -n kill -9 ${pid}`);
    await doomed;
    // The next deploy (of the release the other hosts run) is not blocked by the dead one's lock.
    const again = await onHost(
      0,
      renderDeployCommand(specFor(next), configHashKey()),
      renderDeployStdin(specFor(next), helperLogin()),
    );
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /taking over a lock left by a process that is gone: pid \d+/);
  });
});
