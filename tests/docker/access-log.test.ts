import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { request as httpRequest } from "node:http";
import { dockerResult } from "../support/docker";
import { jsonLogLine, startStack, Stack, stopStack } from "./fixture";
import { request } from "./http";

/** A value no log line may ever contain: unique per call, so a match cannot be a coincidence. */
function secret(label = "s3cr3t"): string {
  return `${label}-${randomBytes(6).toString("hex")}`;
}

/**
 * GET with the request target sent exactly as given (no URL parsing, which would re-encode `"`
 * and turn `\` into `/`); resolves to the status and the X-Request-Id nginx answered with.
 */
function rawGet(base: string, target: string): Promise<{ status: number; requestId: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: hostname, port, path: target, agent: false, timeout: 15_000 },
      (res) => {
        res.resume();
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, requestId: String(res.headers["x-request-id"]) }),
        );
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer for ${target} in time`)));
    req.on("error", reject);
    req.end();
  });
}

describe("nginx's access log: the path and the query's parameter names, never their values", function () {
  let stack: Stack;

  before(async function () {
    this.timeout(900_000);
    stack = await startStack("access-log");
  });

  after(async function () {
    this.timeout(60_000);
    await stopStack(stack);
  });

  /** Sends `target`, returns nginx's JSON log line for it; asserts no `secrets` reached the log. */
  async function logFor(target: string, secrets: string[]): Promise<Record<string, unknown>> {
    const { requestId } = await rawGet(stack.url, target);
    assert.match(requestId, /^[0-9a-f]{32}$/);
    const line = await jsonLogLine(stack.nginx, (l) => l.request_id === requestId);
    await assertNotLogged(secrets);
    return line;
  }

  /** nginx's stdout (the access log), every line of it, holds none of `secrets`. */
  async function assertNotLogged(secrets: string[]): Promise<void> {
    const { stdout } = await dockerResult(["logs", stack.nginx]);
    for (const value of secrets)
      assert.ok(!stdout.includes(value), `${value} is in the access log`);
  }

  it("logs /items?token=…&page=2 as the path and the names token and page", async function () {
    const token = secret();
    const line = await logFor(`/items?token=${token}&page=2`, [token]);
    assert.equal(line.path, "/items");
    assert.equal(line.query_keys, "token&page");
    assert.equal(line.uri, undefined, "no field with the whole request URI");
    assert.equal(line.method, "GET");
    assert.equal(line.status, 200);
    assert.match(String(line.upstream_addr), /:3000$/);
  });

  it("logs a request without a query with an empty query_keys", async function () {
    const plain = await logFor("/version", []);
    assert.equal(plain.path, "/version");
    assert.equal(plain.query_keys, "");
    const emptyQuery = await logFor("/version?", []);
    assert.equal(emptyQuery.path, "/version");
    assert.equal(emptyQuery.query_keys, "");
  });

  it("logs every name of 20 parameters and none of their values", async function () {
    const values = Array.from({ length: 20 }, () => secret("v"));
    const query = values.map((value, i) => `p${i + 1}=${value}`).join("&");
    const line = await logFor(`/items?${query}`, values);
    assert.equal(line.path, "/items");
    assert.equal(line.query_keys, values.map((_, i) => `p${i + 1}`).join("&"));
  });

  it("drops a whole value with an encoded or a literal = in it", async function () {
    const [a, b, c, d] = [secret("a"), secret("b"), secret("c"), secret("d")];
    // %3D and %26 are an encoded "=" and "&" inside a value; `sig` has raw "=" (base64 padding).
    const line = await logFor(`/items?token=${a}%3D${b}%26x%3D${c}&sig=${d}=x==&page=2`, [
      a,
      b,
      c,
      d,
    ]);
    assert.equal(line.query_keys, "token&sig&page");
  });

  it("keeps value-less and empty parameters in their place", async function () {
    const token = secret();
    const line = await logFor(`/items?flag&token=${token}&debug&page=&&=${token}x`, [token]);
    assert.equal(line.query_keys, "flag&token&debug&page&&");
  });

  it("logs the raw path: an encoded ? in it is not the start of the query", async function () {
    const token = secret();
    const line = await logFor(`/files/a%3Fb=c.txt?token=${token}`, [token]);
    assert.equal(line.path, "/files/a%3Fb=c.txt");
    assert.equal(line.query_keys, "token");
    assert.equal(line.status, 404);
    const noQuery = await logFor("/files/a%3Fb.txt", []);
    assert.equal(noQuery.path, "/files/a%3Fb.txt");
    assert.equal(noQuery.query_keys, "");
  });

  it("with more than 32 values, logs names up to the 33rd and marks the rest as cut", async function () {
    const values = Array.from({ length: 40 }, () => secret("v"));
    const query = values.map((value, i) => `p${i + 1}=${value}`).join("&");
    const line = await logFor(`/items?flag&${query}`, values);
    const names = values.slice(0, 33).map((_, i) => `p${i + 1}`);
    assert.equal(line.query_keys, `flag&${names.join("&")} (more)`);
  });

  it('stays valid JSON with " and \\ in the path and the names', async function () {
    const token = secret();
    const line = await logFor(`/items/"x\\y?a"b=${token}&c\\d=${token}&e%22=1`, [token]);
    assert.equal(line.path, '/items/"x\\y');
    assert.equal(line.query_keys, 'a"b&c\\d&e%22');
  });

  it("logs nginx's own answers the same way (a 413 from a named location)", async function () {
    const token = secret();
    const response = await request(`${stack.url}/echo?token=${token}&mode=raw`, {
      method: "POST",
      body: Buffer.alloc(2 * 1024 * 1024),
    });
    assert.equal(response.status, 413);
    const requestId = String(response.headers["x-request-id"]);
    const line = await jsonLogLine(stack.nginx, (l) => l.request_id === requestId);
    assert.equal(line.path, "/echo");
    assert.equal(line.query_keys, "token&mode");
    assert.equal(line.status, 413);
    await assertNotLogged([token]);
  });
});
