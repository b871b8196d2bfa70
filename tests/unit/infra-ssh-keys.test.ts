/**
 * A deploy key that is not the pair of the public key the hosts get would make every SSH dial fail
 * until the step timeout (20 minutes per host); the config refuses it up front, by fingerprint.
 */
import { ed25519KeyPair } from "../support/ssh-key-pair";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createPrivateKey, createPublicKey, generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { ConfigError, parseStackConfig } from "../../infra/src/config";
import { fingerprintOf, keyPairProblem, publicKeyBlobOf } from "../../infra/src/sshKeys";
import { rawStackConfig } from "../support/pulumi/stackConfig";

/** What `ssh-keygen -y` says the private key's public line is (OpenSSH's own reading). */
function sshKeygenPublicLine(privateKey: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "berth-keys-"));
  try {
    const file = path.join(dir, "key");
    writeFileSync(file, privateKey, { mode: 0o600 });
    const result = spawnSync("ssh-keygen", ["-y", "-f", file], { encoding: "utf8" });
    assert.equal(result.status, 0, `ssh-keygen -y: ${result.stderr}${result.error?.message ?? ""}`);
    return result.stdout.trim();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The key file after the rewrite the refusal suggests: `ssh-keygen -p -P '' -N '' -f KEYFILE`. */
function rewrittenByKeygen(privateKey: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "berth-keys-"));
  try {
    const file = path.join(dir, "key");
    writeFileSync(file, privateKey, { mode: 0o600 });
    const result = spawnSync("ssh-keygen", ["-p", "-P", "", "-N", "", "-f", file], {
      encoding: "utf8",
    });
    assert.equal(result.status, 0, `ssh-keygen -p: ${result.stderr}${result.error?.message ?? ""}`);
    return readFileSync(file, "utf8");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function pem(type: "ed25519" | "rsa" | "ec", form: "pkcs8" | "traditional"): string {
  const { privateKey } =
    type === "rsa"
      ? generateKeyPairSync("rsa", { modulusLength: 2048 })
      : type === "ec"
        ? generateKeyPairSync("ec", { namedCurve: "P-256" })
        : generateKeyPairSync("ed25519");
  if (form === "pkcs8") return privateKey.export({ type: "pkcs8", format: "pem" }) as string;
  return privateKey.export({ type: type === "rsa" ? "pkcs1" : "sec1", format: "pem" }) as string;
}

/**
 * The public line OpenSSH would print. ssh-keygen cannot read PKCS#8 ed25519 (the SSH provider,
 * in Go, can), so that one is built from the raw 32-byte key at the end of its SPKI encoding.
 */
function expectedPublicLine(privateKey: string): string {
  if (privateKey.includes("OPENSSH")) return sshKeygenPublicLine(privateKey);
  const key = createPrivateKey(privateKey);
  if (key.asymmetricKeyType !== "ed25519") return sshKeygenPublicLine(privateKey);
  const raw = createPublicKey(key).export({ type: "spki", format: "der" }).subarray(-32);
  const str = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  return `ssh-ed25519 ${Buffer.concat([str(Buffer.from("ssh-ed25519")), str(raw)]).toString("base64")}`;
}

describe("the deploy key pair", () => {
  const keys: [string, string][] = [
    ["OpenSSH ed25519", ed25519KeyPair().private],
    ["PKCS#1 RSA", pem("rsa", "traditional")],
    ["SEC1 ECDSA P-256", pem("ec", "traditional")],
  ];
  for (const [what, privateKey] of keys) {
    it(`reads the public half of a ${what} private key exactly as ssh-keygen does`, () => {
      const line = expectedPublicLine(privateKey);
      assert.equal(publicKeyBlobOf(privateKey).toString("base64"), line.split(" ")[1]);
      assert.equal(keyPairProblem(privateKey, `${line} deploy@example`), undefined);
    });
  }

  for (const type of ["ed25519", "rsa", "ec"] as const) {
    it(`refuses a PKCS#8 ${type} key, which the login check (ssh2) cannot read, saying how to fix it`, () => {
      const privateKey = pem(type, "pkcs8");
      const line = expectedPublicLine(privateKey);
      const problem = keyPairProblem(privateKey, `${line} deploy@example`) ?? "";
      assert.match(problem, /^berth:sshPrivateKey is a PKCS#8 key \(BEGIN PRIVATE KEY\)/);
      assert.match(
        problem,
        type === "ed25519"
          ? /ssh-keygen -t ed25519 -N '' -f KEYFILE/
          : /ssh-keygen -p -P '' -N '' -f KEYFILE/,
      );
      assert.ok(!problem.includes(privateKey.split("\n")[1]!), "the private key is not echoed");
      // The suggested rewrite gives a key the check takes, with the same public half.
      if (type !== "ed25519")
        assert.equal(keyPairProblem(rewrittenByKeygen(privateKey), `${line} d@x`), undefined);
    });
  }

  it("names both fingerprints, never the key, when the private key is another pair's", () => {
    const [, privateKey] = keys[0]!;
    const other = ed25519KeyPair().public;
    const problem = keyPairProblem(privateKey, other) ?? "";
    assert.match(
      problem,
      /^berth:sshPrivateKey \(SHA256:[A-Za-z0-9+/]{43}\) is not the private half of berth:ssh\.publicKey \(SHA256:[A-Za-z0-9+/]{43}\): .*20-minute/,
    );
    assert.ok(problem.includes(fingerprintOf(publicKeyBlobOf(privateKey))));
    assert.ok(!problem.includes(privateKey.split("\n")[1]!), "the private key is not echoed");
  });

  it("says so when the private key cannot be read at all (e.g. passphrase-protected)", () => {
    const encrypted = generateKeyPairSync("ed25519").privateKey.export({
      type: "pkcs8",
      format: "pem",
      cipher: "aes-256-cbc",
      passphrase: "secret",
    }) as string;
    assert.match(
      keyPairProblem(encrypted, sshKeygenPublicLine(keys[0]![1])) ?? "",
      /^berth:sshPrivateKey cannot be read as an unencrypted OpenSSH or PEM private key/,
    );
  });

  it("a stack config whose keys are not a pair is refused before anything runs", () => {
    const raw = rawStackConfig("staging");
    (raw["berth:ssh"] as { publicKey: string }).publicKey = ed25519KeyPair().public;
    assert.throws(
      () => parseStackConfig(raw),
      (error: unknown) =>
        error instanceof ConfigError &&
        /is not the private half of berth:ssh\.publicKey/.test(error.message),
    );
  });
});
