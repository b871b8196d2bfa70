import * as assert from "node:assert/strict";
import { AGENT_EXIT } from "../../infra/src/agent/contract";
import { convergedRelease, deploy, passwordLogin, specFor, statuses } from "./support/fleet";

/** What "nothing changed" means: each host's release and the id and state of every container. */
async function running() {
  return (await statuses()).map((s) => ({
    host: s.host,
    release: s.release,
    containers: s.containers.map((c) => `${c.id} ${c.state}`).sort(),
  }));
}

describe("fleet: registry errors", () => {
  let current = "";

  before(async () => {
    current = await convergedRelease("registry-errors-base");
  });

  it("wrong registry credentials: a clear error, nothing changed", async () => {
    const before = await running();
    const wrong = passwordLogin("not-the-password");
    const spec = specFor(current, { env: { ...specFor(current).env, CHANGED: "1" } });
    const result = await deploy(spec, { registry: wrong });
    assert.equal(result.ok, false);
    assert.equal(result.results[0]!.exitCode, AGENT_EXIT.registry);
    assert.match(result.error ?? "", /registry login to \S+ as berth failed: .*unauthorized/i);
    assert.doesNotMatch(result.results[0]!.stderr + result.results[0]!.stdout, /not-the-password/);
    assert.deepEqual(await running(), before);
  });

  it("a digest that does not exist: a clear error, nothing changed", async () => {
    const before = await running();
    const missing = `${current.split("@")[0]}@sha256:${"0".repeat(64)}`;
    const result = await deploy(specFor(missing));
    assert.equal(result.ok, false);
    assert.equal(result.results[0]!.exitCode, AGENT_EXIT.registry);
    assert.match(result.error ?? "", /pull of \S+@sha256:0{64} failed: .*(not found|unknown)/i);
    assert.deepEqual(await running(), before);
  });
});
