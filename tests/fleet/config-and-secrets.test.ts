import * as assert from "node:assert/strict";
import { configHash } from "../../infra/src/agent/invocation";
import { docker } from "../../fleet/src/exec";
import { fleetNames } from "../../fleet/src/settings";
import { underLoad } from "./support/load";
import {
  assertNoFailedRequests,
  SECRET,
  STATE,
  agentOutputs,
  assertAllOn,
  configHashKey,
  convergedRelease,
  ctx,
  deploy,
  figure,
  lbUrl,
  newRelease,
  onHost,
  settings,
  specFor,
} from "./support/fleet";

describe("fleet: configuration and secrets", () => {
  it("a config-only change (environment) rolls out like a new release", async () => {
    const current = await convergedRelease("config-base");
    const before = await assertAllOn(current);
    const spec = specFor(current);
    spec.env = { ...spec.env, FEATURE_GREETING: "hello-config" };
    const { result, load } = await underLoad(lbUrl("/"), () => deploy(spec));
    assert.equal(result.ok, true, result.error ?? "");
    figure("config-only rollout requests", load);
    await assertNoFailedRequests(load, "during the deploy");
    const after = await assertAllOn(current);
    for (const s of after) {
      assert.equal(s.configHash, configHash(spec, configHashKey()));
      const old = before.find((b) => b.host === s.host)!;
      assert.notEqual(s.release, old.release);
      const web = s.containers.find((c) => c.role === "web" && c.state === "running")!;
      const env = await onHost(
        Number(s.host.slice(5)) - 1,
        `sudo -n docker exec ${web.name} node -p process.env.FEATURE_GREETING`,
      );
      assert.equal(env.stdout.trim(), "hello-config");
    }
  });

  it("secrets never appear in any output or log; env files are 0600", async () => {
    // Output of this file's own deploys at least (a new release, then a config change), and of
    // every deploy before it in the run.
    const image = await newRelease("secrets");
    assert.equal((await deploy(specFor(image))).ok, true);
    const changed = specFor(image);
    changed.env = { ...changed.env, FEATURE_GREETING: "secrets-check" };
    assert.equal((await deploy(changed)).ok, true);
    const password = ctx().fleet.registryPassword;
    const names = fleetNames(settings.prefix);
    const texts: [string, string][] = agentOutputs.map((t, i) => [`agent output ${i}`, t]);
    for (let i = 0; i < settings.hostCount; i++) {
      const host = `host-${i + 1}`;
      const logs = await onHost(
        i,
        `sudo -n sh -c 'cat ${STATE}/receipts.jsonl /var/log/dockerd.log; for c in $(docker ps -aq); do docker logs $c 2>&1; done'`,
      );
      texts.push([`${host} receipts, dockerd log and container logs`, logs.stdout + logs.stderr]);
      const modes = await onHost(i, `sudo -n sh -c 'stat -c "%a %n" ${STATE}/releases/*/env'`);
      for (const line of modes.stdout.trim().split("\n"))
        assert.match(line, /^600 /, `${host}: ${line}`);
    }
    for (const name of [names.registry, names.lb]) {
      const logs = await docker(["logs", name]);
      texts.push([`${name} log`, logs.stdout + logs.stderr]);
    }
    const total = texts.reduce((n, [, t]) => n + t.length, 0);
    figure("bytes of output and logs searched for secrets", total);
    assert.ok(total > 10000, "too little output collected to prove anything");
    assert.ok(agentOutputs.length > 10);
    for (const [where, text] of texts) {
      assert.ok(!text.includes(SECRET), `the app secret appears in ${where}`);
      assert.ok(!text.includes(password), `the registry password appears in ${where}`);
    }
  });
});
