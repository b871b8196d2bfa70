/**
 * A throwaway ed25519 key pair for one acceptance run: the public half goes into
 * `berth:ssh.publicKey`, the private half into the secret `berth:sshPrivateKey`. It lives only in
 * this process and in the (encrypted) stack config, which is removed with the stack.
 */
import { generateKeyPairSync, KeyObject } from "node:crypto";

export interface SshKeyPair {
  /** `ssh-ed25519 AAAA... <comment>`: an OpenSSH authorized_keys line. */
  publicKey: string;
  /** PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), as `ssh -i` and the SSH provider read it. */
  privateKey: string;
}

/** An SSH wire-format string: a 4-byte big-endian length, then the bytes. */
function sshString(data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  return Buffer.concat([length, data]);
}

/** The OpenSSH public key line of an ed25519 key. */
export function openSshPublicKey(key: KeyObject, comment: string): string {
  const jwk = key.export({ format: "jwk" });
  if (jwk.kty !== "OKP" || jwk.crv !== "Ed25519" || !jwk.x) throw new Error("not an ed25519 key");
  const raw = Buffer.from(jwk.x, "base64url");
  const blob = Buffer.concat([sshString(Buffer.from("ssh-ed25519")), sshString(raw)]);
  return `ssh-ed25519 ${blob.toString("base64")} ${comment}`;
}

export function ephemeralKeyPair(comment: string): SshKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  return {
    publicKey: openSshPublicKey(publicKey, comment),
    privateKey: privateKey.export({ type: "pkcs8", format: "pem" }) as string,
  };
}
