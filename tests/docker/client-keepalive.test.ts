/**
 * nginx's client keep-alive comes from the stack config: the program writes
 * CLIENT_KEEPALIVE_SECONDS (the ALB idle timeout + a margin) into the hosts' proxy env file, the
 * agent starts nginx with `--env-file` on it, and the entrypoint renders keepalive_timeout.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Socket } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { PROXY } from "../../infra/src/agent/contract";
import { readInstallPackagesScript } from "../../infra/src/files";
import { renderCloudConfig } from "../../infra/src/cloudConfig";
import { nginxClientKeepaliveSeconds } from "../../infra/src/config";
import { docker, dockerResult, publishedAddress, waitFor } from "../support/docker";
import { request } from "./http";
import { buildImages, NGINX_IMAGE, RUN_PREFIX } from "./fixture";

/** The first-boot host key step every host's user data carries (a parameter's name, no key). */
const HOST_KEY_BOOT = {
  parameterName: "/berth/shop-api/staging/host-keys/host-1",
  region: "eu-west-1",
  script: "#!/usr/bin/env bash\n",
};

/** nginx resolves the image's default upstream (`app:3000`) when it reads its config. */
const APP_HOST = ["--add-host", "app:127.0.0.1"];

/** The keepalive_timeout lines of the rendered client-keepalive.conf in `nginx -T` output. */
function renderedKeepalive(dump: string): string[] {
  const section = dump
    .split("# configuration file ")
    .find((s) => s.startsWith(`/etc/nginx/runtime/client-keepalive.conf:`));
  assert.ok(section, "nginx -T shows client-keepalive.conf");
  return section.split("\n").filter((line) => /^\s*keepalive_timeout\s/.test(line));
}

/** `nginx -T` (test and dump the whole config) in the image, with these `docker run` flags. */
async function nginxDump(flags: string[]): Promise<string> {
  const result = await dockerResult(
    ["run", "--rm", ...APP_HOST, ...flags, NGINX_IMAGE, "nginx", "-T"],
    {
      timeoutMs: 60_000,
    },
  );
  assert.equal(result.code, 0, result.stderr);
  return result.stdout;
}

/** The proxy env file cloud-init writes, as renderCloudConfig renders it. */
function proxyEnvFile(idleTimeoutSeconds: number): string {
  const cloudConfig = parseYaml(
    renderCloudConfig({
      hostKey: HOST_KEY_BOOT,
      app: "shop-api",
      stack: "staging",
      registryHosts: ["123456789012.dkr.ecr.eu-west-1.amazonaws.com"],
      trustedProxyCidr: "10.20.0.0/16",
      clientKeepaliveSeconds: nginxClientKeepaliveSeconds(idleTimeoutSeconds),
      installPackagesScript: readInstallPackagesScript(),
    }),
  ) as { write_files: { path: string; content: string }[] };
  const file = cloudConfig.write_files.find((f) => f.path === PROXY.envFile);
  assert.ok(file, `the cloud-config writes ${PROXY.envFile}`);
  return file.content;
}

/** Seconds from the end of a keep-alive response until nginx closes the idle connection. */
function idleSecondsUntilClosed(address: string): Promise<number> {
  const [host = "127.0.0.1", port] = address.split(":");
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    let answeredAt = 0;
    socket.setTimeout(30_000, () => reject(new Error("nginx kept the connection for 30 s")));
    socket.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes('{"status":"ok"}')) answeredAt = Date.now();
    });
    socket.on("error", reject);
    socket.on("close", () => {
      socket.setTimeout(0);
      if (!answeredAt) reject(new Error("closed before the response"));
      else resolve((Date.now() - answeredAt) / 1000);
    });
    socket.connect(Number(port), host, () =>
      socket.write("GET /nginx-health HTTP/1.1\r\nHost: keepalive.test\r\n\r\n"),
    );
  });
}

describe("nginx's client keep-alive from CLIENT_KEEPALIVE_SECONDS", function () {
  before(async function () {
    this.timeout(900_000);
    await buildImages();
  });

  it("renders the value the program puts in the hosts' proxy env file", async function () {
    const dir = mkdtempSync(path.join(tmpdir(), "berth-proxy-env-"));
    try {
      const envFile = path.join(dir, "proxy.env");
      writeFileSync(envFile, proxyEnvFile(120));
      const dump = await nginxDump(["--env-file", envFile]);
      assert.deepEqual(renderedKeepalive(dump), [`keepalive_timeout ${120 + 15}s;`]);
      assert.match(dump, /^set_real_ip_from 10\.20\.0\.0\/16;$/m, "the env file's other value too");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("defaults to 75 s (the default ALB idle timeout + 15 s) when unset or empty", async function () {
    assert.deepEqual(renderedKeepalive(await nginxDump([])), ["keepalive_timeout 75s;"]);
    assert.deepEqual(renderedKeepalive(await nginxDump(["--env", "CLIENT_KEEPALIVE_SECONDS="])), [
      "keepalive_timeout 75s;",
    ]);
  });

  it("closes an idle client connection after that many seconds", async function () {
    this.timeout(120_000);
    const name = `${RUN_PREFIX}-keepalive-nginx`;
    try {
      await docker([
        "run",
        "--detach",
        "--name",
        name,
        ...APP_HOST,
        "--publish",
        "127.0.0.1::8080",
        "--env",
        "CLIENT_KEEPALIVE_SECONDS=2",
        NGINX_IMAGE,
      ]);
      const address = await publishedAddress(name, 8080);
      await waitFor(`${name} to serve /nginx-health`, async () =>
        (await request(`http://${address}/nginx-health`)).status === 200 ? true : undefined,
      );
      const idle = await idleSecondsUntilClosed(address);
      assert.ok(idle >= 1.5 && idle < 10, `closed after ${idle} s idle`);
    } finally {
      await dockerResult(["rm", "--force", name]);
    }
  });

  for (const bad of ["0", "75s", "3601", "-5"])
    it(`stops start-up with one line that names a bad value: "${bad}"`, async function () {
      const result = await dockerResult(
        ["run", "--rm", "--env", `CLIENT_KEEPALIVE_SECONDS=${bad}`, NGINX_IMAGE, "true"],
        { timeoutMs: 60_000 },
      );
      assert.equal(result.code, 78);
      assert.equal(
        result.stderr,
        `config error: CLIENT_KEEPALIVE_SECONDS must be a whole number of seconds from 1 to 3600 (got "${bad}")\n`,
      );
    });
});
