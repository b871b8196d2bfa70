import * as assert from "node:assert/strict";
import { ed25519KeyPair } from "../support/ssh-key-pair";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { AcceptConnection, AuthContext, Server, ServerChannel, Session } from "ssh2";
import { knownHostsLines } from "../../cli/src/local";
import { capture } from "../../cli/src/run";
import { Endpoint, describeIdentity, sshRunner, waitForSsh } from "../../cli/src/ssh";

/**
 * A host whose published port is open before its sshd is: for `sshdAfterMs` every connection is
 * accepted and dropped (as docker-proxy does with nothing listening behind it), then a real SSH
 * server answers and runs `true`. The real `ssh` client dials it with a pinned host key, exactly as
 * the CLI dials a fleet host.
 */
async function lateSshd(sshdAfterMs: number, { acceptKeys = true } = {}) {
  const hostKey = ed25519KeyPair();
  const client = ed25519KeyPair();
  const sshd = new Server({ hostKeys: [hostKey.private] }, (conn) => {
    conn.on("authentication", (ctx: AuthContext) =>
      ctx.method === "publickey" && acceptKeys ? ctx.accept() : ctx.reject(["publickey"]),
    );
    conn.on("session", (accept: AcceptConnection<Session>) =>
      accept().once("exec", (acceptExec: AcceptConnection<ServerChannel>) => {
        const stream = acceptExec();
        stream.exit(0);
        stream.end();
      }),
    );
    conn.on("error", () => undefined);
  });
  const startedAt = Date.now();
  let dropped = 0;
  const front = net.createServer((socket) => {
    if (Date.now() - startedAt < sshdAfterMs) {
      dropped++;
      socket.destroy();
    } else sshd.injectSocket(socket);
  });
  await new Promise<void>((resolve) => front.listen(0, "127.0.0.1", resolve));
  const port = (front.address() as net.AddressInfo).port;
  const dir = mkdtempSync(path.join(tmpdir(), "berth-wait-ssh-"));
  const identityFile = path.join(dir, "id_ed25519");
  writeFileSync(identityFile, client.private, { mode: 0o600 });
  const knownHostsFile = path.join(dir, "known_hosts");
  writeFileSync(knownHostsFile, knownHostsLines([{ port, publicKey: hostKey.public }]));
  const target: Endpoint = { name: "host-1", address: "127.0.0.1", port, user: "ec2-user" };
  const access = { identityFile, knownHostsFile, strictHostKeyChecking: "yes" } as const;
  const run = sshRunner(access, capture);
  return {
    target,
    run,
    key: describeIdentity(access),
    dropped: () => dropped,
    close: () => {
      front.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe("waitForSsh: a host counts as up only when an SSH session runs", () => {
  it("retries while the port drops connections, and returns once sshd answers", async () => {
    const host = await lateSshd(1500);
    try {
      await waitForSsh(host.target, host.run, { timeoutMs: 10000, intervalMs: 100 });
      assert.ok(
        host.dropped() >= 2,
        `expected early attempts to be dropped, got ${host.dropped()}`,
      );
    } finally {
      host.close();
    }
  });

  it("gives up at its deadline with the host, the port and the last error", async () => {
    const host = await lateSshd(60000);
    try {
      const started = Date.now();
      await assert.rejects(
        waitForSsh(host.target, host.run, { timeoutMs: 1500, intervalMs: 100 }),
        (error: Error) => {
          assert.match(
            error.message,
            new RegExp(
              `^timed out after 1500 ms waiting for host-1 \\(127\\.0\\.0\\.1:${host.target.port}\\) to accept SSH`,
            ),
          );
          assert.match(error.message, /; last error: .*(Connection closed|reset|banner exchange)/i);
          return true;
        },
      );
      assert.ok(Date.now() - started < 5000, "waitForSsh overran its deadline");
    } finally {
      host.close();
    }
  });

  it("fails at once when the host proves its key and refuses the client's, naming host, user and key", async () => {
    const host = await lateSshd(0, { acceptKeys: false });
    try {
      const started = Date.now();
      await assert.rejects(
        waitForSsh(host.target, host.run, { timeoutMs: 30000, intervalMs: 100, key: host.key }),
        (error: Error) => {
          assert.match(
            error.message,
            new RegExp(
              `^host-1 \\(ec2-user@127\\.0\\.0\\.1:${host.target.port}\\) proved its pinned host key and then refused the key SHA256:\\S+ \\(.*id_ed25519\\) for ec2-user`,
            ),
          );
          return true;
        },
      );
      assert.ok(Date.now() - started < 10000, "a refusal must not wait for the deadline");
    } finally {
      host.close();
    }
  });
});
