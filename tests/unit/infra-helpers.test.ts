import assert from "node:assert/strict";
import { parse as parseYaml } from "yaml";
import { readInstallPackagesScript } from "../../infra/src/files";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { amiParameterName, architectureOf, dockerPlatform } from "../../infra/src/ami";
import {
  configHash,
  renderDeployCommand,
  renderDeployStdin,
} from "../../infra/src/agent/invocation";
import { formatCidr, networkOf, parseCidr, planSubnets } from "../../infra/src/cidr";
import { parseStackConfig } from "../../infra/src/config";
import { registryHostOf } from "../../infra/src/components/containerImage";
import { healthCheckFor } from "../../infra/src/components/loadBalancer";
import { parseAgentSummary } from "../../infra/src/agent/contract";
import {
  releaseTriggers,
  renderInstallAgentCommand,
  rolloutOrder,
} from "../../infra/src/rollout/plan";
import {
  INSTALL_PACKAGES_PATH,
  dockerClientConfig,
  renderCloudConfig,
} from "../../infra/src/cloudConfig";
import { readAgentScript, sha256Hex } from "../../infra/src/files";
import { hostNames, resourceName, tagsFor, zoneIndexFor } from "../../infra/src/naming";
import { buildReleaseSpec } from "../../infra/src/releaseSpec";
import { TEST_DATABASE_URL } from "../support/pulumi/runProgram";
import { rawStackConfig } from "../support/pulumi/stackConfig";

/** A config hash key (the program makes one per stack; the tests use a fixed one). */
const KEY = "0123456789abcdef".repeat(4);

/** The first-boot host key step every host's user data carries (a parameter's name, no key). */
const HOST_KEY_BOOT = {
  parameterName: "/berth/shop-api/staging/host-keys/host-1",
  region: "eu-west-1",
  script: "#!/usr/bin/env bash\n",
};

const REGISTRY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";
const IMAGES = {
  app: `${REGISTRY}/shop-api-staging-app@sha256:${"1".repeat(64)}`,
  proxy: `${REGISTRY}/shop-api-staging-proxy@sha256:${"2".repeat(64)}`,
};

describe("infra helpers (pure, no mocks)", () => {
  describe("the subnet plan", () => {
    it("gives each zone a public and a private /20 of a /16, in zone order", () => {
      assert.deepEqual(planSubnets("10.20.0.0/16", 2), {
        public: ["10.20.0.0/20", "10.20.16.0/20"],
        private: ["10.20.128.0/20", "10.20.144.0/20"],
      });
    });
    it("keeps existing subnets when a zone is added", () => {
      const two = planSubnets("10.30.0.0/16", 2);
      const three = planSubnets("10.30.0.0/16", 3);
      assert.deepEqual(three.public.slice(0, 2), two.public);
      assert.deepEqual(three.private.slice(0, 2), two.private);
    });
    it("parses CIDRs strictly and suggests the network address", () => {
      assert.deepEqual(parseCidr("10.0.0.0/16"), { base: 10 * 2 ** 24, prefix: 16 });
      assert.equal(parseCidr("10.0.0.1/16"), null);
      assert.equal(parseCidr("300.0.0.0/8"), null);
      assert.equal(networkOf("203.0.113.10/24"), "203.0.113.0/24");
      assert.equal(formatCidr({ base: 3232235520, prefix: 24 }), "192.168.0.0/24");
    });
    it("accepts only four-part decimal IPv4 CIDRs (no shorthand, octal-looking octets or /33)", () => {
      for (const text of [
        "10.1/16",
        "010.0.0.0/8",
        "10.0.0.0/33",
        "10.0.0.0",
        "::/0",
        " 10.0.0.0/8",
      ])
        assert.equal(parseCidr(text), null, text);
      assert.equal(networkOf("10.0.0.300/8"), null);
      assert.deepEqual(parseCidr("0.0.0.0/0"), { base: 0, prefix: 0 });
      assert.equal(networkOf("10.20.200.1/17"), "10.20.128.0/17");
    });
  });

  describe("naming and rollout order", () => {
    it("names hosts and resources predictably", () => {
      assert.deepEqual(hostNames(3), ["host-1", "host-2", "host-3"]);
      assert.equal(resourceName("shop-api", "host", 2), "shop-api-host-2");
    });
    it("spreads hosts round-robin over zones", () => {
      assert.deepEqual(
        [0, 1, 2, 3].map((i) => zoneIndexFor(i, 2)),
        [0, 1, 0, 1],
      );
    });
    it("cuts hosts into batches of the configured size", () => {
      assert.deepEqual(rolloutOrder([1, 2, 3, 4, 5], 2, false), [[1, 2], [3, 4], [5]]);
      assert.deepEqual(rolloutOrder([1, 2], 1, false), [[1], [2]]);
      assert.throws(() => rolloutOrder([1], 0, false), /batch size 0/);
    });
    it("sends the first host alone when a release command must run before any switch", () => {
      assert.deepEqual(rolloutOrder([1, 2, 3, 4, 5], 2, true), [[1], [2, 3], [4, 5]]);
      assert.deepEqual(rolloutOrder([1, 2, 3], 1, true), [[1], [2], [3]]);
      assert.deepEqual(rolloutOrder([1], 1, true), [[1]]);
    });
    it("puts the fixed tags last so a stack cannot override them", () => {
      const tags = tagsFor(
        { app: "shop-api", stack: "prod", tags: { Name: "x", team: "platform" } },
        "vpc",
      );
      assert.deepEqual(tags, {
        Name: "vpc",
        team: "platform",
        "berth:app": "shop-api",
        "berth:stack": "prod",
        "managed-by": "pulumi",
      });
    });
  });

  describe("AMI and platform", () => {
    it("picks arm64 for Graviton types and x86_64 otherwise", () => {
      for (const t of ["t4g.small", "m7g.large", "c7gn.xlarge", "g5g.xlarge", "r8g.medium"])
        assert.equal(architectureOf(t), "arm64", t);
      for (const t of ["t3.small", "m7i.large", "c6in.xlarge", "g5.xlarge", "m6a.large"])
        assert.equal(architectureOf(t), "x86_64", t);
    });
    it("reads Amazon Linux 2023 from the public SSM parameter", () => {
      assert.equal(
        amiParameterName("x86_64"),
        "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
      );
      assert.equal(dockerPlatform("arm64"), "linux/arm64");
    });
  });

  describe("cloud-init user-data", () => {
    const agent = readAgentScript();
    const userData = renderCloudConfig({
      hostKey: HOST_KEY_BOOT,
      app: "shop-api",
      stack: "staging",
      registryHosts: [REGISTRY],
      trustedProxyCidr: "10.20.0.0/16",
      clientKeepaliveSeconds: 75,
      installPackagesScript: readInstallPackagesScript(),
    });

    it("is a cloud-config that installs docker, jq and the ECR credential helper with retries, then starts docker", () => {
      assert.ok(userData.startsWith("#cloud-config\n"));
      assert.doesNotMatch(userData, /^packages:/m, "cloud-init's packages module tries only once");
      const doc = parseYaml(userData) as {
        write_files: { path: string; content: string; permissions: string }[];
        runcmd: string[][];
      };
      const script = doc.write_files.find((f) => f.path === INSTALL_PACKAGES_PATH);
      assert.equal(script?.content, readInstallPackagesScript());
      assert.equal(script?.permissions, "0755");
      const steps = doc.runcmd.map((c) => c.join(" "));
      assert.ok(
        steps.indexOf(INSTALL_PACKAGES_PATH) >= 0 &&
          steps.indexOf(INSTALL_PACKAGES_PATH) <
            steps.indexOf("systemctl enable --now docker.service"),
        `runcmd: ${JSON.stringify(steps)}`,
      );
    });

    it("does not carry the agent: the release installs it over SSH, checksummed, once", () => {
      assert.ok(!userData.includes("berth-agent"), "the agent path appears in user-data");
      assert.ok(!userData.includes(agent.content.slice(0, 40)), "the agent's text is in user-data");
    });

    it("routes the registry through docker-credential-ecr-login: no password in it", () => {
      assert.equal(
        dockerClientConfig([REGISTRY, REGISTRY]),
        `{"credHelpers":{"${REGISTRY}":"ecr-login"}}`,
      );
      assert.ok(userData.includes(JSON.stringify(dockerClientConfig([REGISTRY]))));
      assert.doesNotMatch(userData, /password|auths/i);
    });

    it("hands nginx its trusted proxy range and client keep-alive", () => {
      assert.ok(
        userData.includes(
          JSON.stringify("TRUSTED_PROXY_CIDRS=10.20.0.0/16\nCLIENT_KEEPALIVE_SECONDS=75\n"),
        ),
      );
    });

    it("stays under EC2's 16 KB user-data limit", () => {
      assert.ok(Buffer.byteLength(userData) < 16 * 1024, `${Buffer.byteLength(userData)} bytes`);
    });

    it("is identical for identical input (no timestamps)", () => {
      const again = renderCloudConfig({
        hostKey: HOST_KEY_BOOT,
        app: "shop-api",
        stack: "staging",
        registryHosts: [REGISTRY],
        trustedProxyCidr: "10.20.0.0/16",
        clientKeepaliveSeconds: 75,
        installPackagesScript: readInstallPackagesScript(),
      });
      assert.equal(again, userData);
    });
  });

  describe("the release spec and the agent invocation", () => {
    const config = parseStackConfig(rawStackConfig("staging"));
    const spec = buildReleaseSpec(config, "staging", IMAGES);

    it("builds the spec from the config and the two digests", () => {
      assert.equal(spec.image, IMAGES.app);
      assert.equal(spec.proxyImage, IMAGES.proxy);
      assert.deepEqual(spec.web, { command: null, port: 3000, healthPath: "/healthz" });
      assert.deepEqual(spec.worker, { command: ["node", "dist/worker.js"], count: 1 });
      assert.equal(spec.env.DATABASE_URL, TEST_DATABASE_URL);
      assert.equal(spec.env.NODE_ENV, "production");
    });

    it("puts only identity on the command line and the environment on stdin", () => {
      const line = renderDeployCommand(spec, KEY);
      assert.equal(
        line,
        `sudo -n /usr/local/bin/berth-agent deploy --app shop-api --stack staging --image ${IMAGES.app} --config-hash ${configHash(spec, KEY)}`,
      );
      assert.ok(!line.includes(TEST_DATABASE_URL));
      const stdin = JSON.parse(renderDeployStdin(spec, { server: REGISTRY, method: "helper" }));
      assert.deepEqual(stdin.registry, { server: REGISTRY, method: "helper" });
      assert.equal(stdin.spec.env.DATABASE_URL, TEST_DATABASE_URL);
    });

    it("triggers on image, config hash and agent hash only; tags do not matter", () => {
      const tagged = buildReleaseSpec({ ...config, tags: { team: "other" } }, "staging", IMAGES);
      assert.deepEqual(releaseTriggers(tagged, "abc", KEY), releaseTriggers(spec, "abc", KEY));
      assert.deepEqual(releaseTriggers(spec, "abc", KEY), [
        IMAGES.app,
        configHash(spec, KEY),
        "abc",
      ]);
      const moreHosts = buildReleaseSpec(
        { ...config, hosts: { ...config.hosts, count: 3 } },
        "staging",
        IMAGES,
      );
      assert.equal(
        configHash(moreHosts, KEY),
        configHash(spec, KEY),
        "fleet size is not app config",
      );
      const newSecret = buildReleaseSpec(
        { ...config, secretEnv: { DATABASE_URL: "postgres://rotated" } },
        "staging",
        IMAGES,
      );
      assert.notEqual(
        configHash(newSecret, KEY),
        configHash(spec, KEY),
        "a rotated secret re-runs the release",
      );
    });

    it("reads the agent's last stdout line as its summary", () => {
      assert.deepEqual(parseAgentSummary('progress\n{"outcome":"deployed","exitCode":0}\n'), {
        outcome: "deployed",
        exitCode: 0,
      });
      assert.equal(parseAgentSummary("no json"), null);
      assert.equal(parseAgentSummary('{"healthy":true}'), null, "a status document is no summary");
    });
  });

  describe("images", () => {
    it("finds the registry of an image reference", () => {
      assert.equal(registryHostOf(IMAGES.app), REGISTRY);
    });
  });

  it("health-checks faster than the ALB defaults", () => {
    const check = healthCheckFor("/healthz");
    assert.equal(check.path, "/healthz");
    assert.ok(check.interval < 30 && check.healthyThreshold < 5 && check.unhealthyThreshold < 5);
  });

  describe("installing the agent over SSH (run in bash with stand-in sudo and cloud-init)", () => {
    let dir: string;
    const agentPath = () => path.join(dir, "bin", "berth-agent");
    const cloudInitLog = () => path.join(dir, "cloud-init-output.log");
    const run = (sha: string, stdin: string, cloudInitExit = 0) =>
      spawnSync("bash", ["-c", renderInstallAgentCommand(sha, agentPath(), cloudInitLog())], {
        input: stdin,
        encoding: "utf8",
        env: {
          ...process.env,
          PATH: `${path.join(dir, "fake")}:${process.env.PATH}`,
          CLOUD_INIT_EXIT: String(cloudInitExit),
        },
      });

    beforeEach(() => {
      dir = mkdtempSync(path.join(tmpdir(), "berth-install-"));
      mkdirSync(path.join(dir, "fake"));
      mkdirSync(path.join(dir, "bin"));
      writeFileSync(
        path.join(dir, "fake", "sudo"),
        '#!/usr/bin/env bash\n[ "$1" = -n ] && shift\nexec "$@"\n',
      );
      writeFileSync(
        path.join(dir, "fake", "cloud-init"),
        '#!/usr/bin/env bash\nexit "$CLOUD_INIT_EXIT"\n',
      );
      chmodSync(path.join(dir, "fake", "sudo"), 0o755);
      chmodSync(path.join(dir, "fake", "cloud-init"), 0o755);
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it("installs the exact script, executable", () => {
      const script = "#!/usr/bin/env bash\necho agent\n";
      const result = run(sha256Hex(script), script);
      assert.equal(result.status, 0, result.stderr);
      assert.equal(readFileSync(agentPath(), "utf8"), script);
      assert.match(result.stdout, /berth-agent [0-9a-f]{12} installed/);
    });

    it("refuses a script whose hash does not match and leaves no file behind", () => {
      const result = run(sha256Hex("something else"), "#!/usr/bin/env bash\n");
      assert.notEqual(result.status, 0);
      assert.throws(() => readFileSync(agentPath()));
      assert.deepEqual(
        spawnSync("ls", ["-A", path.join(dir, "bin")], { encoding: "utf8" }).stdout,
        "",
      );
    });

    it("leaves an agent with the right hash alone, and replaces one with another hash", () => {
      const script = "#!/usr/bin/env bash\necho agent\n";
      assert.equal(run(sha256Hex(script), script).status, 0);
      const again = run(sha256Hex(script), script);
      assert.equal(again.status, 0, again.stderr);
      assert.match(again.stdout, /berth-agent [0-9a-f]{12} already installed/);
      const newer = "#!/usr/bin/env bash\necho newer agent\n";
      const replaced = run(sha256Hex(newer), newer);
      assert.match(replaced.stdout, /berth-agent [0-9a-f]{12} installed/);
      assert.equal(readFileSync(agentPath(), "utf8"), newer);
    });

    it("skips the cloud-init wait on a host without cloud-init (the local fleet's)", () => {
      rmSync(path.join(dir, "fake", "cloud-init"));
      const script = "#!/usr/bin/env bash\n";
      const result = spawnSync(
        "bash",
        ["-c", renderInstallAgentCommand(sha256Hex(script), agentPath())],
        {
          input: script,
          encoding: "utf8",
          env: { ...process.env, PATH: `${path.join(dir, "fake")}:/usr/bin:/bin` },
        },
      );
      assert.equal(result.status, 0, result.stderr);
      assert.equal(readFileSync(agentPath(), "utf8"), script);
    });

    it("stops with the reason and the tail of cloud-init's log when it failed, and accepts 'done with warnings'", () => {
      writeFileSync(
        cloudInitLog(),
        Array.from({ length: 40 }, (_, i) => `line ${i + 1}`).join("\n") +
          "\nError: Failed to download metadata for repo 'amazonlinux'\n",
      );
      const failed = run(sha256Hex("x"), "x", 1);
      assert.equal(failed.status, 1);
      assert.match(failed.stderr, /cloud-init failed on .* \(exit 1\); the last lines of /);
      assert.match(failed.stderr, /Failed to download metadata for repo 'amazonlinux'\n$/);
      assert.doesNotMatch(failed.stderr, /line 10\n/, "only the tail");
      const warned = run(sha256Hex("x"), "x", 2);
      assert.equal(warned.status, 0, warned.stderr);
    });
  });
});
