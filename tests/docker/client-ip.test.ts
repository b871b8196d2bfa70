import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { docker } from "../support/docker";
import {
  APP_IMAGE,
  jsonLogLine,
  jsonLogs,
  startNginx,
  startStack,
  Stack,
  stopStack,
} from "./fixture";

/** What a client that claims to forward for someone sends. */
const CLAIMED_CLIENT = "203.0.113.7";

/**
 * Sends GET / with X-Forwarded-For and the user agent berth-probe/ID (found in the access log by
 * it: the log keeps no query values) from a throwaway container on the stack's network (the app
 * image has node) and returns that container's own address.
 */
async function requestFromInsideNetwork(
  stack: Stack,
  proxy: string,
  probe: string,
): Promise<string> {
  const script = `
    const http = require("node:http");
    const os = require("node:os");
    const own = Object.values(os.networkInterfaces()).flat().find((a) => a.family === "IPv4" && !a.internal);
    http.get({ host: process.argv[1], port: 8080, path: "/",
               headers: { "x-forwarded-for": "${CLAIMED_CLIENT}", "user-agent": "berth-probe/" + process.argv[2] } }, (res) => {
      res.resume();
      res.on("end", () => { console.log(JSON.stringify({ status: res.statusCode, own: own.address })); });
    }).on("error", (e) => { console.error(e.message); process.exit(1); });`;
  const out = await docker([
    "run",
    "--rm",
    "--network",
    stack.network,
    "--entrypoint",
    "node",
    APP_IMAGE,
    "-e",
    script,
    proxy,
    probe,
  ]);
  const { status, own } = JSON.parse(out) as { status: number; own: string };
  assert.equal(status, 200);
  return own;
}

describe("the client address, from X-Forwarded-For only when the sender is trusted", function () {
  let stack: Stack;
  let untrustingProxy: string;

  before(async function () {
    this.timeout(900_000);
    // Two proxies in front of one app: one trusts this network's subnet (as nginx trusts the VPC),
    // one trusts only a documentation range, i.e. not the sender.
    stack = await startStack("client-ip", {});
    const trusting = `${stack.network}-trusting`;
    untrustingProxy = `${stack.network}-untrusting`;
    await docker(["rm", "--force", stack.nginx]);
    await startNginx(trusting, stack.network, stack.subnet);
    await startNginx(untrustingProxy, stack.network, "192.0.2.0/24");
    stack.nginx = trusting;
  });

  after(async function () {
    this.timeout(60_000);
    await stopStack(stack);
  });

  it("from a trusted network: nginx and the app see the forwarded address", async function () {
    const probe = randomBytes(6).toString("hex");
    const sender = await requestFromInsideNetwork(stack, stack.nginx, probe);
    const logged = await jsonLogLine(
      stack.nginx,
      (line) => line.user_agent === `berth-probe/${probe}`,
    );
    assert.ok(logged, "nginx logged the request");
    assert.equal(logged.peer_addr, sender);
    assert.equal(logged.remote_addr, CLAIMED_CLIENT);
    const appLine = (await jsonLogs(stack.app)).find(
      (line) => line.request_id === logged.request_id,
    );
    assert.equal(appLine?.client_ip, CLAIMED_CLIENT);
  });

  it("from anywhere else: the header is ignored and the sender's own address is used", async function () {
    const probe = randomBytes(6).toString("hex");
    const sender = await requestFromInsideNetwork(stack, untrustingProxy, probe);
    const logged = await jsonLogLine(
      untrustingProxy,
      (line) => line.user_agent === `berth-probe/${probe}`,
    );
    assert.ok(logged, "nginx logged the request");
    assert.equal(logged.remote_addr, sender);
    assert.notEqual(logged.remote_addr, CLAIMED_CLIENT);
    assert.equal(logged.x_forwarded_for, CLAIMED_CLIENT);
    const appLine = (await jsonLogs(stack.app)).find(
      (line) => line.request_id === logged.request_id,
    );
    assert.equal(appLine?.client_ip, sender);
  });
});
