/**
 * The login each host's commands wait on (infra/src/sshLogin.ts), against real SSH servers
 * (ssh2's server on 127.0.0.1): a booting host is waited for, a host that shows another host key
 * is never logged in to, and a host or bastion that refuses the deployer's key fails in seconds,
 * naming the machine, the user and the key's fingerprint. The fleet suite repeats the refusal
 * against a fleet host's OpenSSH (tests/fleet/unreachable-host.test.ts).
 */
import { ed25519KeyPair } from "../support/ssh-key-pair";
import assert from "node:assert/strict";
import * as net from "node:net";
import { AuthContext, Connection, Server, TcpipRequestInfo } from "ssh2";
import { LoginReading, SshEndpoint, probeLogin, waitForLogin } from "../../infra/src/sshLogin";
import { fingerprintOf, publicKeyBlobOf } from "../../infra/src/sshKeys";

type KeyPair = { private: string; public: string };
const keyPair = (): KeyPair => ed25519KeyPair();

interface TestSshd {
  port: number;
  hostKey: KeyPair;
  dropped: () => number;
  close: () => void;
}

/**
 * An SSH server that accepts only `allowedKey`, forwards direct-tcpip channels (as a bastion does)
 * and, for `lateMs`, drops every connection as a port with nothing behind it does.
 */
async function sshd(allowedKey: KeyPair, lateMs = 0): Promise<TestSshd> {
  const hostKey = keyPair();
  const allowed = publicKeyBlobOf(allowedKey.private);
  const server = new Server({ hostKeys: [hostKey.private] }, (conn: Connection) => {
    conn.on("authentication", (ctx: AuthContext) => {
      if (ctx.method === "publickey" && Buffer.from(ctx.key.data).equals(allowed)) ctx.accept();
      else ctx.reject(["publickey"]);
    });
    conn.on("tcpip", (accept, reject, info: TcpipRequestInfo) => {
      const upstream = net.connect(info.destPort, info.destIP);
      upstream.once("error", () => reject());
      upstream.once("connect", () => {
        const channel = accept();
        channel.pipe(upstream).pipe(channel);
      });
    });
    conn.on("error", () => undefined);
  });
  const startedAt = Date.now();
  let dropped = 0;
  const front = net.createServer((socket) => {
    if (Date.now() - startedAt < lateMs) {
      dropped++;
      socket.destroy();
    } else server.injectSocket(socket);
  });
  await new Promise<void>((resolve) => front.listen(0, "127.0.0.1", resolve));
  return {
    port: (front.address() as net.AddressInfo).port,
    hostKey,
    dropped: () => dropped,
    close: () => front.close(),
  };
}

const endpoint = (
  name: string,
  server: TestSshd,
  hostKey = server.hostKey.public,
): SshEndpoint => ({
  name,
  address: "127.0.0.1",
  port: server.port,
  user: "ec2-user",
  hostKey,
});

const fast = { timeoutMs: 2000, intervalMs: 100 };

describe("the deployer's login, proven before any command (sshLogin)", () => {
  const deployer = keyPair();
  const servers: TestSshd[] = [];
  const start = async (lateMs = 0) => {
    const server = await sshd(deployer, lateMs);
    servers.push(server);
    return server;
  };
  after(() => servers.forEach((s) => s.close()));

  it("logs in to a host that shows its pinned key and accepts the deployer's", async () => {
    const host = await start();
    assert.deepEqual(await probeLogin(endpoint("host-1", host), deployer.private), {
      outcome: "ready",
    });
  });

  it("fails in seconds on a refused key, naming the host, the user and the key's fingerprint", async () => {
    const host = await start();
    const wrong = keyPair();
    const started = Date.now();
    await assert.rejects(
      waitForLogin(endpoint("host-1", host), wrong.private, undefined, {
        timeoutMs: 60_000,
        intervalMs: 200,
      }),
      (error: Error) => {
        assert.match(
          error.message,
          new RegExp(`^host-1 \\(ec2-user@127\\.0\\.0\\.1:${host.port}\\)`),
        );
        assert.ok(
          error.message.includes(fingerprintOf(publicKeyBlobOf(wrong.private))),
          error.message,
        );
        assert.match(error.message, /berth:sshPrivateKey/);
        assert.match(error.message, /Nothing was sent to it/);
        return true;
      },
    );
    assert.ok(Date.now() - started < 10_000, "a refusal must not wait for the timeout");
  });

  it("never logs in to a host showing another host key, and names both keys when it gives up", async () => {
    const host = await start();
    const pinned = keyPair().public;
    const reading = await probeLogin(endpoint("host-1", host, pinned), deployer.private);
    assert.equal(reading.outcome, "otherHostKey");
    assert.equal(
      (reading as { presented: string }).presented,
      fingerprintOf(publicKeyBlobOf(host.hostKey.private)),
    );
    await assert.rejects(
      waitForLogin(endpoint("host-1", host, pinned), deployer.private, undefined, fast),
      (error: Error) => {
        assert.match(
          error.message,
          /still presents the host key SHA256:\S+, not the pinned SHA256:/,
        );
        assert.match(error.message, /berth:ssh\.hostKeys\.host-1/);
        return true;
      },
    );
  });

  it("waits for a host that drops connections while it boots, then logs in", async () => {
    const host = await start(1200);
    const result = await waitForLogin(endpoint("host-1", host), deployer.private, undefined, {
      timeoutMs: 10_000,
      intervalMs: 200,
    });
    assert.ok(host.dropped() >= 2, `expected early attempts to be dropped, got ${host.dropped()}`);
    assert.ok(result.attempts >= 2);
  });

  it("gives up on a closed port at its deadline with the last error", async () => {
    const closed = await start();
    closed.close();
    await assert.rejects(
      waitForLogin(endpoint("host-1", closed), deployer.private, undefined, fast),
      /^Error: host-1 \(ec2-user@127\.0\.0\.1:\d+\) did not let the deployer in within 2 s \(last attempt: .*ECONNREFUSED/,
    );
  });

  describe("through a bastion", () => {
    it("logs in to the host through the bastion", async () => {
      const [bastion, host] = [await start(), await start()];
      assert.deepEqual(
        await probeLogin(endpoint("host-1", host), deployer.private, endpoint("bastion", bastion)),
        { outcome: "ready" },
      );
    });

    it("a bastion that refuses the key fails at once, named as the bastion", async () => {
      const bastion = await sshd(keyPair());
      servers.push(bastion);
      const host = await start();
      await assert.rejects(
        waitForLogin(endpoint("host-1", host), deployer.private, endpoint("bastion", bastion), {
          timeoutMs: 60_000,
          intervalMs: 100,
        }),
        /^Error: the bastion \(ec2-user@127\.0\.0\.1:\d+\), on the way to host-1, proved its pinned host key and then refused/,
      );
    });

    it("a host the bastion cannot reach is waited for, and named when it gives up", async () => {
      const bastion = await start();
      const closed = await start();
      closed.close();
      await assert.rejects(
        waitForLogin(
          endpoint("host-1", closed),
          deployer.private,
          endpoint("bastion", bastion),
          fast,
        ),
        /^Error: host-1 \(.*\) did not let the deployer in within 2 s \(last attempt: through the bastion, which could not open a connection to 127\.0\.0\.1:\d+/,
      );
    });
  });

  describe("the wait's rule, on given readings", () => {
    const host: SshEndpoint = {
      name: "host-2",
      address: "10.0.1.5",
      port: 22,
      user: "ec2-user",
      hostKey: keyPair().public,
    };
    const scripted = (readings: LoginReading[]) => {
      let i = 0;
      return async () => readings[Math.min(i++, readings.length - 1)] as LoginReading;
    };
    const options = (readings: LoginReading[]) => ({
      timeoutMs: 60_000,
      intervalMs: 1,
      probe: scripted(readings),
      sleep: async () => undefined,
    });

    it("one refusal between boots is not final; the login that follows wins", async () => {
      const result = await waitForLogin(
        host,
        deployer.private,
        undefined,
        options([
          { outcome: "unreachable", at: host, detail: "ECONNREFUSED" },
          { outcome: "refused", at: host, detail: "All configured authentication methods failed" },
          { outcome: "ready" },
        ]),
      );
      assert.equal(result.attempts, 3);
    });

    it("two refusals in a row are final", async () => {
      const refused: LoginReading = { outcome: "refused", at: host, detail: "denied" };
      await assert.rejects(
        waitForLogin(
          host,
          deployer.private,
          undefined,
          options([refused, refused, { outcome: "ready" }]),
        ),
        /^Error: host-2 \(ec2-user@10\.0\.1\.5:22\) proved its pinned host key and then refused the deployer's key SHA256:/,
      );
    });
  });
});
