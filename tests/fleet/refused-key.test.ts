/**
 * The login the Pulumi program proves before any command dials a host (infra/src/sshLogin.ts,
 * run by components/sshReady.ts on AWS), against a fleet host's real OpenSSH: the deployer's key
 * logs in; another key is refused in seconds with the host, the user and the key's fingerprint
 * (the SSH provider alone would retry it until its 20-minute timeout); a wrong pinned host key
 * never gets as far as a login.
 */
import { ed25519KeyPair } from "../support/ssh-key-pair";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { blobOfPublicKeyLine, fingerprintOf, publicKeyBlobOf } from "../../infra/src/sshKeys";
import { SshEndpoint, probeLogin, waitForLogin } from "../../infra/src/sshLogin";
import { ctx, figure, hosts } from "./support/fleet";

function hostOne(hostKey?: string): SshEndpoint {
  const endpoint = hosts()[0];
  assert.ok(endpoint, "the fleet has no host");
  const pinned = ctx().fleet.hosts.find((h) => h.name === endpoint.name)?.hostKey;
  assert.ok(pinned, `no host key for ${endpoint.name}`);
  return { ...endpoint, hostKey: hostKey ?? pinned };
}

describe("fleet: a host that refuses the deployer's key fails the login check in seconds", () => {
  it("the deployer's key logs in to the pinned host", async () => {
    const key = fs.readFileSync(ctx().fleet.identityFile, "utf8");
    assert.deepEqual(await probeLogin(hostOne(), key), { outcome: "ready" });
  });

  it("another key: refused in seconds, naming host, user and the key's fingerprint", async () => {
    const wrong = ed25519KeyPair().private;
    const host = hostOne();
    const started = Date.now();
    await assert.rejects(
      waitForLogin(host, wrong, undefined, { timeoutMs: 120_000, intervalMs: 1000 }),
      (error: Error) => {
        assert.ok(
          error.message.startsWith(
            `${host.name} (${host.user}@${host.address}:${host.port}) proved its pinned host key and then refused the deployer's key ${fingerprintOf(publicKeyBlobOf(wrong))}`,
          ),
          error.message,
        );
        return true;
      },
    );
    const seconds = (Date.now() - started) / 1000;
    figure("wrong key refused after (s)", seconds.toFixed(1));
    assert.ok(seconds < 60, `the refusal took ${seconds} s`);
  });

  it("a wrong pinned host key: no login is attempted, and the presented key is named", async () => {
    const key = fs.readFileSync(ctx().fleet.identityFile, "utf8");
    const other = ed25519KeyPair().public;
    const reading = await probeLogin(hostOne(other), key);
    assert.equal(reading.outcome, "otherHostKey");
    const pinned = hostOne().hostKey;
    assert.equal(
      (reading as { presented: string }).presented,
      fingerprintOf(blobOfPublicKeyLine(pinned)),
    );
  });
});
