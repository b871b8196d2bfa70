import { Client } from "ssh2";
import type { Duplex } from "node:stream";
import { blobOfPublicKeyLine, fingerprintOf, publicKeyBlobOf } from "./sshKeys";

/**
 * Proving, before any command runs, that a host lets the deployer in. The SSH provider retries
 * every failed dial alike (a booting host, a wrong key), so without this a host that refuses the
 * key would be retried until the 20-minute step timeout. Here the outcomes differ: a host that is
 * not up yet or still shows its first-boot host key is waited for; a host that proved the pinned
 * host key and then refused the deployer's key is final, and fails in seconds.
 */

/** One machine to log in to. */
export interface SshEndpoint {
  /** host-1, ..., bastion: named in messages. */
  name: string;
  address: string;
  port: number;
  user: string;
  /** The pinned host public key line (`ssh-ed25519 AAAA...`). */
  hostKey: string;
}

/** One login attempt's outcome, and which machine it is about (the host, or the bastion before it). */
export type LoginReading =
  | { outcome: "ready" }
  | { outcome: "unreachable"; at: SshEndpoint; detail: string }
  | { outcome: "otherHostKey"; at: SshEndpoint; presented: string }
  | { outcome: "refused"; at: SshEndpoint; detail: string };

const describe = (endpoint: SshEndpoint) =>
  `${endpoint.name === "bastion" ? "the bastion" : endpoint.name} (${endpoint.user}@${endpoint.address}:${endpoint.port})`;

/** Logs in once; a ready client is handed back open (to forward through), else closed. */
function attempt(
  endpoint: SshEndpoint,
  privateKey: string,
  timeoutMs: number,
  sock?: Duplex,
): Promise<{ reading: LoginReading; client?: Client }> {
  const pinned = blobOfPublicKeyLine(endpoint.hostKey);
  const pinnedType = endpoint.hostKey.trim().split(/\s+/)[0];
  return new Promise((resolve) => {
    const client = new Client();
    let presented: Buffer | undefined;
    let settled = false;
    const settle = (reading: LoginReading) => {
      if (settled) return;
      settled = true;
      if (reading.outcome === "ready") resolve({ reading, client });
      else {
        client.end();
        resolve({ reading });
      }
    };
    client.on("ready", () => settle({ outcome: "ready" }));
    client.on("error", (error: Error & { level?: string }) => {
      if (presented && !presented.equals(pinned))
        settle({ outcome: "otherHostKey", at: endpoint, presented: fingerprintOf(presented) });
      else if (error.level === "client-authentication")
        settle({ outcome: "refused", at: endpoint, detail: error.message });
      else settle({ outcome: "unreachable", at: endpoint, detail: error.message });
    });
    client.on("close", () =>
      settle({ outcome: "unreachable", at: endpoint, detail: "connection closed" }),
    );
    client.connect({
      host: endpoint.address,
      port: endpoint.port,
      sock,
      username: endpoint.user,
      privateKey,
      readyTimeout: timeoutMs,
      // Offer only the pinned key's type, so the server shows the key that is pinned (or fails).
      algorithms: { serverHostKey: [pinnedType as never] },
      hostVerifier: (key: Buffer) => {
        presented = key;
        return key.equals(pinned);
      },
    });
  });
}

/** One login to `host`, through `bastion` when given (the bastion proves its own key first). */
export async function probeLogin(
  host: SshEndpoint,
  privateKey: string,
  bastion?: SshEndpoint,
  timeoutMs = 15_000,
): Promise<LoginReading> {
  if (!bastion) {
    const { reading, client } = await attempt(host, privateKey, timeoutMs);
    client?.end();
    return reading;
  }
  const jump = await attempt(bastion, privateKey, timeoutMs);
  if (!jump.client) return jump.reading;
  const jumpClient = jump.client;
  try {
    const channel = await new Promise<Duplex | Error>((resolve) =>
      jumpClient.forwardOut("127.0.0.1", 0, host.address, host.port, (error, stream) =>
        resolve(error ?? stream),
      ),
    );
    if (channel instanceof Error)
      return {
        outcome: "unreachable",
        at: host,
        detail: `through the bastion, which could not open a connection to ${host.address}:${host.port} (${channel.message.trim()})`,
      };
    const { reading, client } = await attempt(host, privateKey, timeoutMs, channel);
    client?.end();
    return reading;
  } finally {
    jumpClient.end();
  }
}

export interface LoginWaitOptions {
  /** Give up after this long (a first boot: the instance, cloud-init, the host key install). */
  timeoutMs: number;
  /** Pause between attempts. */
  intervalMs: number;
  /**
   * Refusals in a row that count as final. The pinned host key is installed after the login keys
   * at first boot, so a host that proves it is past the point where a refusal could be transient;
   * two in a row only rule out a hiccup.
   */
  refusalsAllowed?: number;
  probe?: (host: SshEndpoint, privateKey: string, bastion?: SshEndpoint) => Promise<LoginReading>;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** The deployer key's fingerprint as `ssh-keygen -lf` prints it, or a placeholder. */
export function deployerKeyFingerprint(privateKey: string): string {
  try {
    return fingerprintOf(publicKeyBlobOf(privateKey));
  } catch {
    return "(unreadable key)";
  }
}

/** The message for a final refusal: the machine, the user, the key, and what to do. */
export function refusalMessage(
  at: SshEndpoint,
  host: SshEndpoint,
  privateKey: string,
  detail: string,
): string {
  const where =
    at.name === host.name ? describe(at) : `${describe(at)}, on the way to ${host.name},`;
  return `${where} proved its pinned host key and then refused the deployer's key ${deployerKeyFingerprint(privateKey)} (berth:sshPrivateKey) for ${at.user}: ${detail}. A host accepts only the key it was launched with (berth:ssh.publicKey when it was created): set berth:sshPrivateKey to that key's private half, or replace the host. Nothing was sent to it.`;
}

function timeoutMessage(reading: LoginReading, host: SshEndpoint, seconds: number): string {
  if (reading.outcome === "otherHostKey") {
    const pinned = fingerprintOf(blobOfPublicKeyLine(reading.at.hostKey));
    return `${describe(reading.at)} still presents the host key ${reading.presented}, not the pinned ${pinned}, after ${seconds} s: nothing was sent to it. The program's generated key is installed at first boot by berth-install-host-key (see /var/log/cloud-init-output.log on the machine); a wrong berth:ssh.hostKeys.${reading.at.name} override pins the wrong key`;
  }
  const detail = reading.outcome === "ready" ? "" : `: ${reading.detail}`;
  const at = reading.outcome === "ready" ? host : reading.at;
  return `${describe(at)} did not let the deployer in within ${seconds} s (last attempt${detail}); the hosts after it were not touched`;
}

/**
 * Tries to log in until it works. A host that is unreachable or shows another host key is waited
 * for until `timeoutMs`; one that refuses the key after proving the pinned host key fails at once.
 */
export async function waitForLogin(
  host: SshEndpoint,
  privateKey: string,
  bastion: SshEndpoint | undefined,
  options: LoginWaitOptions,
): Promise<{ attempts: number; waitedMs: number }> {
  const probe = options.probe ?? probeLogin;
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const now = options.now ?? Date.now;
  const refusalsAllowed = options.refusalsAllowed ?? 2;
  const started = now();
  let refusals = 0;
  for (let attempts = 1; ; attempts++) {
    const reading = await probe(host, privateKey, bastion);
    if (reading.outcome === "ready") return { attempts, waitedMs: now() - started };
    refusals = reading.outcome === "refused" ? refusals + 1 : 0;
    if (reading.outcome === "refused" && refusals >= refusalsAllowed)
      throw new Error(refusalMessage(reading.at, host, privateKey, reading.detail));
    if (now() - started >= options.timeoutMs)
      throw new Error(timeoutMessage(reading, host, Math.round(options.timeoutMs / 1000)));
    await sleep(options.intervalMs);
  }
}
