import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { docker, dockerResult, inspect } from "../support/docker";
import {
  APP_IMAGE,
  BUILD_CREATED,
  BUILD_REVISION,
  BUILD_SOURCE,
  buildImages,
  NGINX_IMAGE,
} from "./fixture";

describe("the images (built from nothing but the base images)", function () {
  before(async function () {
    this.timeout(900_000);
    await buildImages();
  });

  describe("the app image", function () {
    it("runs as the unprivileged node user, with HEALTHCHECK, STOPSIGNAL and OCI labels", async function () {
      assert.equal(await inspect(APP_IMAGE, "{{.Config.User}}"), "node");
      assert.deepEqual(JSON.parse(await inspect(APP_IMAGE, "{{json .Config.Healthcheck.Test}}")), [
        "CMD",
        "node",
        "dist/healthcheck.js",
      ]);
      assert.equal(await inspect(APP_IMAGE, "{{.Config.StopSignal}}"), "SIGTERM");
      assert.deepEqual(JSON.parse(await inspect(APP_IMAGE, "{{json .Config.Cmd}}")), [
        "node",
        "dist/server.js",
      ]);
      const labels = JSON.parse(await inspect(APP_IMAGE, "{{json .Config.Labels}}")) as Record<
        string,
        string
      >;
      assert.equal(labels["org.opencontainers.image.revision"], BUILD_REVISION);
      assert.equal(labels["org.opencontainers.image.created"], BUILD_CREATED);
      assert.equal(labels["org.opencontainers.image.source"], BUILD_SOURCE);
    });

    it("holds only compiled code and production dependencies: no compiler, no sources", async function () {
      const listing = await docker([
        "run",
        "--rm",
        APP_IMAGE,
        "node",
        "-e",
        `const fs = require("fs");
         console.log(["/app", "/app/node_modules", "/app/dist"]
           .map((dir) => fs.readdirSync(dir).join("\\n")).join("\\n---\\n"));`,
      ]);
      const [top = "", modules = "", dist = ""] = listing.split("---").map((part) => part.trim());
      assert.deepEqual(top.split("\n").sort(), ["dist", "node_modules", "package.json"]);
      assert.doesNotMatch(modules, /typescript/);
      assert.match(dist, /^server\.js$/m);
      assert.match(dist, /^worker\.js$/m);
      assert.doesNotMatch(dist, /\.ts$/m);
    });

    it("keeps the build's CA secret out of the image", async function () {
      const check = await dockerResult([
        "run",
        "--rm",
        APP_IMAGE,
        "node",
        "-e",
        `const fs = require("fs");
         console.log("secrets=" + (fs.existsSync("/run/secrets") ? fs.readdirSync("/run/secrets").join(",") : "none"));
         console.log("extra-ca=" + (process.env.NODE_EXTRA_CA_CERTS || "none"));`,
      ]);
      assert.equal(check.code, 0, check.stderr);
      assert.equal(check.stdout.trim(), "secrets=none\nextra-ca=none");
      const history = await docker([
        "history",
        "--no-trunc",
        "--format",
        "{{.CreatedBy}}",
        APP_IMAGE,
      ]);
      assert.doesNotMatch(history, /BEGIN CERTIFICATE/);
    });
  });

  describe("the nginx image", function () {
    it("runs as the unprivileged nginx user on port 8080 and stops with SIGQUIT", async function () {
      assert.equal(await inspect(NGINX_IMAGE, "{{.Config.User}}"), "nginx");
      assert.equal(await inspect(NGINX_IMAGE, "{{.Config.StopSignal}}"), "SIGQUIT");
      assert.match(await inspect(NGINX_IMAGE, "{{json .Config.ExposedPorts}}"), /"8080\/tcp"/);
      const labels = await inspect(NGINX_IMAGE, "{{json .Config.Labels}}");
      assert.match(labels, new RegExp(`"org.opencontainers.image.revision":"${BUILD_REVISION}"`));
    });

    it("holds nginx, bash and busybox's tools, and no package manager, perl or docs", async function () {
      const result = await dockerResult([
        "run",
        "--rm",
        "--entrypoint",
        "sh",
        NGINX_IMAGE,
        "-c",
        "for f in /usr/sbin/nginx /bin/bash /bin/sh /bin/sed /bin/tr /usr/bin/env /usr/bin/apt-get /usr/bin/dpkg /usr/bin/perl /usr/share/doc /usr/share/man /usr/share/locale; do if [ -e $f ]; then echo $f; fi; done",
      ]);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(result.stdout.trim().split("\n"), [
        "/usr/sbin/nginx",
        "/bin/bash",
        "/bin/sh",
        "/bin/sed",
        "/bin/tr",
        "/usr/bin/env",
      ]);
    });

    it("passes nginx -t", async function () {
      const result = await dockerResult([
        "run",
        "--rm",
        "--add-host",
        "app:127.0.0.1",
        NGINX_IMAGE,
        "nginx",
        "-t",
      ]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /syntax is ok/);
      assert.match(result.stderr, /test is successful/);
    });

    it("fails nginx -t when the upstream file does not define `upstream app`", async function () {
      const dir = mkdtempSync(path.join(tmpdir(), "berth-upstream-"));
      chmodSync(dir, 0o755); // readable by the container's nginx user
      try {
        writeFileSync(
          path.join(dir, "upstream.conf"),
          "upstream other {\n    server 127.0.0.1:3000;\n}\n",
          { mode: 0o644 },
        );
        const result = await dockerResult([
          "run",
          "--rm",
          "--volume",
          `${dir}:/etc/nginx/berth:ro`,
          NGINX_IMAGE,
          "nginx",
          "-t",
        ]);
        assert.notEqual(result.code, 0);
        assert.match(result.stderr, /host not found in upstream "app"/);
        assert.match(result.stderr, /test failed/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
