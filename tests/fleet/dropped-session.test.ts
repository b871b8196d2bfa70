import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { parseAgentSummary } from "../../infra/src/agent/contract";
import { readAgentScript } from "../../infra/src/files";
import { planRollout } from "../../infra/src/rollout/plan";
import { sshArgv } from "../../cli/src/ssh";
import { waitFor } from "../../fleet/src/wait";
import {
  STATE,
  assertAllOn,
  configHashKey,
  convergedRelease,
  ctx,
  deploy,
  helperLogin,
  hosts,
  newRelease,
  onHost,
  runner,
  settled,
  specFor,
  statusOf,
} from "./support/fleet";

describe("fleet: a dropped SSH session", () => {
  it("does not stop a deploy halfway: the agent finishes on the host and writes its receipt", async () => {
    const current = await convergedRelease("dropped-session-base");
    const image = await newRelease("dropped-session");
    const [step] = planRollout({
      hosts: ["host-1"],
      spec: specFor(image),
      registry: helperLogin(),
      agent: readAgentScript(),
      batchSize: 1,
      configHashKey: configHashKey(),
    }).batches[0]!;
    const host = hosts()[0]!;
    const install = await runner()(host, step!.install.command, step!.install.stdin);
    assert.equal(install.code, 0, install.stderr);

    const [command, ...args] = sshArgv(host, ctx().target.access, step!.deploy.command);
    const ssh = spawn(command!, args, { stdio: ["pipe", "pipe", "pipe"] });
    ssh.stdin.end(step!.deploy.stdin);
    // The session drops (the operator's laptop sleeps, CI is cancelled) once the new container
    // is starting: the agent has more to write and the switch still to do.
    await new Promise<void>((resolve, reject) => {
      let stderr = "";
      ssh.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        if (/starting \S+ beside the running release/.test(stderr)) resolve();
      });
      ssh.on("exit", () => reject(new Error(`ssh ended before the deploy started: ${stderr}`)));
    });
    ssh.kill("SIGKILL");

    const receipt = await waitFor(
      "host-1's receipt of the deploy whose session dropped",
      async () => {
        const r = await onHost(0, `sudo -n tail -n 1 ${STATE}/receipts.jsonl`);
        const summary = parseAgentSummary(r.stdout);
        return summary?.image === image ? summary : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    assert.equal(receipt.outcome, "deployed", receipt.reason);
    await settled();
    const status = await statusOf(0);
    assert.equal(status.image, image);
    assert.equal(status.healthy, true);

    // host-1 back on the fleet's release.
    const back = await deploy(specFor(current), { only: [host] });
    assert.equal(back.ok, true, back.error ?? "");
    await assertAllOn(current);
  });
});
