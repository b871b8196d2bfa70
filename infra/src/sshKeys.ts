import { createHash, createPrivateKey, createPublicKey } from "node:crypto";
import { utils as sshUtils } from "ssh2";

/**
 * The deploy key pair, checked before anything dials: EC2 puts `berth:ssh.publicKey` on the hosts,
 * and the SSH provider signs in with `berth:sshPrivateKey`. When the two are not a pair, every
 * dial is refused, and the provider, told to keep retrying while a host boots, would retry until
 * its 20-minute timeout on every host.
 */

const sshString = (data: Buffer | string): Buffer => {
  const bytes = typeof data === "string" ? Buffer.from(data) : data;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
};

/** An unsigned big-endian integer as an SSH mpint (a leading zero when the high bit is set). */
const sshMpint = (unsigned: Buffer): Buffer => {
  let bytes = unsigned;
  while (bytes.length > 1 && bytes[0] === 0) bytes = bytes.subarray(1);
  return sshString((bytes[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
};

const CURVES: Record<string, string> = {
  "P-256": "nistp256",
  "P-384": "nistp384",
  "P-521": "nistp521",
};

/** The public key blob (as in an authorized_keys line) of a private key in OpenSSH or PEM form. */
export function publicKeyBlobOf(privateKey: string): Buffer {
  if (privateKey.includes("BEGIN OPENSSH PRIVATE KEY")) {
    const parsed = sshUtils.parseKey(privateKey);
    if (parsed instanceof Error) throw parsed;
    return (Array.isArray(parsed) ? parsed[0] : parsed).getPublicSSH();
  }
  const jwk = createPublicKey(createPrivateKey(privateKey)).export({ format: "jwk" });
  const b64 = (value: string | undefined) => Buffer.from(value ?? "", "base64url");
  if (jwk.kty === "OKP" && jwk.crv === "Ed25519")
    return Buffer.concat([sshString("ssh-ed25519"), sshString(b64(jwk.x))]);
  if (jwk.kty === "RSA")
    return Buffer.concat([sshString("ssh-rsa"), sshMpint(b64(jwk.e)), sshMpint(b64(jwk.n))]);
  const curve = CURVES[jwk.crv ?? ""];
  if (jwk.kty === "EC" && curve) {
    const point = Buffer.concat([Buffer.from([4]), b64(jwk.x), b64(jwk.y)]);
    return Buffer.concat([sshString(`ecdsa-sha2-${curve}`), sshString(curve), sshString(point)]);
  }
  throw new Error(`unsupported key type ${jwk.kty}${jwk.crv ? ` ${jwk.crv}` : ""}`);
}

/** OpenSSH's fingerprint of a public key blob: `SHA256:<base64, no padding>`. */
export function fingerprintOf(publicKeyBlob: Buffer): string {
  return `SHA256:${createHash("sha256").update(publicKeyBlob).digest("base64").replace(/=+$/, "")}`;
}

/** The blob of an OpenSSH public key line (`ssh-ed25519 AAAA... comment`). */
export function blobOfPublicKeyLine(line: string): Buffer {
  return Buffer.from(line.trim().split(/\s+/)[1] ?? "", "base64");
}

/** What to do with a key that node reads but ssh2 does not (PKCS#8, `BEGIN PRIVATE KEY`). */
function pkcs8Problem(privateKey: string): string {
  const type = createPrivateKey(privateKey).asymmetricKeyType;
  const fix =
    type === "ed25519"
      ? "OpenSSH cannot rewrite a PKCS#8 ed25519 key: make a new pair with ssh-keygen -t ed25519 -N '' -f KEYFILE and set both berth:ssh.publicKey and berth:sshPrivateKey"
      : "rewrite it in OpenSSH form with ssh-keygen -p -P '' -N '' -f KEYFILE (same key, new file format)";
  return `berth:sshPrivateKey is a PKCS#8 key (BEGIN PRIVATE KEY), which berth's SSH login check cannot read; ${fix}, then: pulumi config set --secret berth:sshPrivateKey < KEYFILE`;
}

/** Why the private key cannot sign in where the public key is installed, or undefined. */
export function keyPairProblem(privateKey: string, publicKeyLine: string): string | undefined {
  let privateBlob: Buffer;
  try {
    privateBlob = publicKeyBlobOf(privateKey);
  } catch (error) {
    return `berth:sshPrivateKey cannot be read as an unencrypted OpenSSH or PEM private key (${(error as Error).message}); set it with: pulumi config set --secret berth:sshPrivateKey < KEYFILE`;
  }
  // The login check before each deploy (SshReady) and the CLI sign in with ssh2, which reads
  // OpenSSH keys and the older PEM forms but not PKCS#8, which the SSH provider (Go) would accept.
  if (sshUtils.parseKey(privateKey) instanceof Error) return pkcs8Problem(privateKey);
  const publicBlob = blobOfPublicKeyLine(publicKeyLine);
  if (privateBlob.equals(publicBlob)) return undefined;
  return `berth:sshPrivateKey (${fingerprintOf(privateBlob)}) is not the private half of berth:ssh.publicKey (${fingerprintOf(publicBlob)}): the hosts accept only that public key, so every SSH dial would be refused until the 20-minute step timeout; set the matching pair (ssh-keygen -y -f KEYFILE prints a private key's public line)`;
}
