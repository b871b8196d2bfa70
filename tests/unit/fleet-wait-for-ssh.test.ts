import * as assert from "node:assert/strict";
import * as net from "node:net";
import {
  AcceptConnection,
  AuthContext,
  Server,
  ServerChannel,
  Session,
  utils as sshUtils,
} from "ssh2";
import { SshTarget, waitForSsh } from "../../fleet/src/ssh";

/**
 * A host whose published port is open before its sshd is: for `sshdAfterMs` every connection is
 * accepted and dropped (as docker-proxy does with nothing listening behind it), then a real SSH
 * server answers and runs `true`.
 */
async function lateSshd(sshdAfterMs: number) {
  const hostKey = sshUtils.generateKeyPairSync("ed25519");
  const client = sshUtils.generateKeyPairSync("ed25519");
  const sshd = new Server({ hostKeys: [hostKey.private] }, (conn) => {
    conn.on("authentication", (ctx: AuthContext) =>
      ctx.method === "publickey" ? ctx.accept() : ctx.reject(),
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
  const target: SshTarget = {
    name: "host-1",
    host: "127.0.0.1",
    port: (front.address() as net.AddressInfo).port,
    username: "berth",
    privateKey: client.private,
    hostKey: hostKey.public,
  };
  return { target, dropped: () => dropped, close: () => front.close() };
}

describe("waitForSsh: a host counts as up only when an SSH session runs", () => {
  it("retries while the port drops connections, and returns once sshd answers", async () => {
    const host = await lateSshd(1500);
    try {
      await waitForSsh(host.target, { timeoutMs: 10000, intervalMs: 100 });
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
        waitForSsh(host.target, { timeoutMs: 1500, intervalMs: 100 }),
        (error: Error) => {
          assert.match(
            error.message,
            new RegExp(
              `^timed out after 1500 ms waiting for host-1 \\(127\\.0\\.0\\.1:${host.target.port}\\) to accept SSH`,
            ),
          );
          assert.match(error.message, /; last error: .*(before handshake|unreachable)/);
          return true;
        },
      );
      assert.ok(Date.now() - started < 5000, "waitForSsh overran its deadline");
    } finally {
      host.close();
    }
  });
});
