import assert from "node:assert/strict";
import { keyPairProblem } from "../../infra/src/sshKeys";
import { decodeConfigValue, parseStackConfig } from "../../infra/src/config";
import { STACK_NAME } from "../../infra/src/agent/contract";
import {
  allowEcrDeletion,
  cleanupScriptText,
  Deployment,
  ECR_REPOSITORY_TYPE,
  manualCleanupCommands,
} from "../aws/cleanup";
import { LoadSummary } from "../aws/load";
import { main, MainIo } from "../aws/main";
import { parseOptions } from "../aws/options";
import { CommandResult, missingPrecondition, Probes } from "../aws/preconditions";
import { createProgress } from "../aws/progress";
import { servesDigest, waitForRelease } from "../aws/serving";
import { ephemeralKeyPair } from "../aws/sshKey";
import {
  acceptanceConfig,
  acceptanceStackName,
  acceptanceValues,
  AcceptanceSettings,
  ConfigMap,
  readStackFile,
  rollbackConfig,
  zonesFor,
} from "../aws/stackConfig";
import {
  AcceptanceDeps,
  AcceptancePlan,
  errorGist,
  runAcceptance,
  StackLike,
  UpOptions,
} from "../aws/steps";

const NOW = new Date(Date.UTC(2026, 10, 30, 9, 5));
const hex = (c: string) => c.repeat(64);
const D1 = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop-api-x-app@sha256:${hex("a")}`;
const D2 = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop-api-x-app@sha256:${hex("b")}`;
const P1 = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop-api-x-proxy@sha256:${hex("c")}`;
const URL_ = "http://shop-api-alb-123.eu-west-1.elb.amazonaws.com";

const KEYS = ephemeralKeyPair("berth-acceptance@test");

function settings(overrides: Partial<AcceptanceSettings> = {}): AcceptanceSettings {
  return {
    stackName: acceptanceStackName(NOW, "0a1b2c"),
    region: "eu-west-1",
    zones: ["eu-west-1a", "eu-west-1b"],
    sshCidr: "203.0.113.77/32",
    publicKey: KEYS.publicKey,
    privateKey: KEYS.privateKey,
    instanceType: "t3.small",
    ...overrides,
  };
}

/** The config map as the program receives it: plain values decoded like the CLI hands them. */
function asProgramSees(config: ConfigMap): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(config).map(([key, entry]) => [key, decodeConfigValue(entry.value)]),
  );
}

function plainValue(config: ConfigMap, key: string): Record<string, unknown> {
  const entry = config[key];
  assert.ok(entry, `no ${key}`);
  return JSON.parse(entry.value) as Record<string, unknown>;
}

describe("AWS acceptance test: stack name", () => {
  it("is berth-acc-<yyyymmddhhmm UTC>-<6 hex>", () => {
    assert.equal(acceptanceStackName(NOW, "0a1b2c"), "berth-acc-202611300905-0a1b2c");
  });

  it("is a valid berth stack name (the agent's rule: ECR names, labels, state dir)", () => {
    const name = acceptanceStackName(new Date(Date.UTC(2099, 11, 31, 23, 59)), "ffffff");
    assert.match(name, STACK_NAME);
    assert.ok(name.length <= 40, `${name} is ${name.length} characters`);
    assert.match(name, /^[a-z][a-z0-9-]*$/, "also a valid Pulumi stack name");
  });

  it("differs between two runs started in the same minute", () => {
    const names = new Set(
      ["000000", "0a1b2c", "ffffff", "123abc"].map((r) => acceptanceStackName(NOW, r)),
    );
    assert.equal(names.size, 4);
  });

  it("refuses a random part that is not 6 hex digits", () => {
    assert.throws(() => acceptanceStackName(NOW, "XYZ123"), /6 hex digits/);
    assert.throws(() => acceptanceStackName(NOW, "abc"), /6 hex digits/);
  });
});

describe("AWS acceptance test: zones", () => {
  it("derives <region>a and <region>b", () => {
    assert.deepEqual(zonesFor("us-east-2"), ["us-east-2a", "us-east-2b"]);
    assert.deepEqual(zonesFor("ap-northeast-1", []), ["ap-northeast-1a", "ap-northeast-1b"]);
  });

  it("takes --zones instead, when they are two or more zones of the region", () => {
    assert.deepEqual(zonesFor("us-west-1", ["us-west-1b", "us-west-1c"]), [
      "us-west-1b",
      "us-west-1c",
    ]);
    assert.throws(() => zonesFor("us-west-1", ["us-west-1b"]), /at least two different/);
    assert.throws(() => zonesFor("us-west-1", ["us-west-1b", "us-west-1b"]), /two different/);
    assert.throws(() => zonesFor("us-west-1", ["us-west-1b", "eu-west-1a"]), /zones of us-west-1/);
  });
});

describe("AWS acceptance test: the config it sets", () => {
  const base = readStackFile("staging");
  const config = acceptanceConfig(base, settings());

  it("is accepted by the program's own config validation", () => {
    const parsed = parseStackConfig(asProgramSees(config));
    assert.equal(parsed.region, "eu-west-1");
    assert.equal(parsed.app, base["berth:app"]);
  });

  it("starts from the staging layout: public host subnets, no bastion, no NAT", () => {
    const parsed = parseStackConfig(asProgramSees(config));
    assert.equal(parsed.network.hostSubnets, "public");
    assert.equal(parsed.network.egress, "internet");
    assert.equal(parsed.bastion.enabled, false);
    assert.deepEqual(parsed.web, {
      port: 3000,
      healthPath: "/healthz",
      command: null,
    });
    assert.deepEqual(parsed.env, base["berth:env"]);
  });

  it("runs one small host", () => {
    assert.deepEqual(plainValue(config, "berth:hosts"), {
      count: 1,
      instanceType: "t3.small",
      rootVolumeGiB: 20,
    });
    const bigger = acceptanceConfig(base, settings({ instanceType: "t3.medium" }));
    assert.equal(plainValue(bigger, "berth:hosts").instanceType, "t3.medium");
  });

  it("puts the stack in the chosen region and its zones", () => {
    const c = acceptanceConfig(
      base,
      settings({ region: "us-east-2", zones: ["us-east-2a", "us-east-2c"] }),
    );
    assert.equal(c["aws:region"]?.value, "us-east-2");
    assert.deepEqual(plainValue(c, "berth:network").availabilityZones, [
      "us-east-2a",
      "us-east-2c",
    ]);
    assert.equal(parseStackConfig(asProgramSees(c)).region, "us-east-2");
  });

  it("allows SSH from the runner's CIDR only, with this run's public key", () => {
    assert.deepEqual(plainValue(config, "berth:ssh"), {
      allowedCidrs: ["203.0.113.77/32"],
      publicKey: KEYS.publicKey,
    });
  });

  it("has no certificate (HTTP), no deletion protection and no log bucket", () => {
    const lb = plainValue(config, "berth:loadBalancer");
    assert.equal("certificateArn" in lb, false);
    assert.equal(lb.deletionProtection, false);
    assert.deepEqual(plainValue(config, "berth:logs"), { enabled: false });
    const fromProd = acceptanceConfig(readStackFile("prod"), settings());
    assert.equal("certificateArn" in plainValue(fromProd, "berth:loadBalancer"), false);
    assert.equal(parseStackConfig(asProgramSees(fromProd)).network.hostSubnets, "public");
  });

  it("builds its images (no pinned digest) and releases one host at a time", () => {
    const release = plainValue(config, "berth:release");
    assert.equal("digest" in release, false);
    assert.equal("proxyDigest" in release, false);
    assert.equal(release.batchSize, 1);
  });

  it("tags every resource as ephemeral, with the run's stack name", () => {
    const tags = plainValue(config, "berth:tags");
    assert.equal(tags.ephemeral, "true");
    assert.equal(tags.environment, "acceptance");
    assert.equal(tags["acceptance-run"], "berth-acc-202611300905-0a1b2c");
    assert.equal(tags.team, (base["berth:tags"] as Record<string, string>).team);
  });

  it("holds the private key only as a secret; no plain value contains it", () => {
    const secrets = Object.entries(config).filter(([, e]) => e.secret);
    assert.deepEqual(
      secrets.map(([k]) => k),
      ["berth:sshPrivateKey"],
    );
    assert.equal(config["berth:sshPrivateKey"]?.value, KEYS.privateKey);
    const keyBody = KEYS.privateKey.split("\n")[1] as string;
    for (const [key, entry] of Object.entries(config)) {
      if (entry.secret) continue;
      assert.ok(!entry.value.includes("PRIVATE KEY"), key);
      assert.ok(!entry.value.includes(keyBody), key);
    }
    assert.equal("berth:secretEnv" in config, false);
  });

  it("rolls back by pinning the first release's digests, other release settings unchanged", () => {
    const values = acceptanceValues(base, settings());
    const rollback = rollbackConfig(values, D1, P1);
    assert.deepEqual(Object.keys(rollback), ["berth:release"]);
    assert.deepEqual(plainValue(rollback, "berth:release"), {
      ...(values["berth:release"] as object),
      digest: D1,
      proxyDigest: P1,
    });
    const parsed = parseStackConfig({ ...asProgramSees(config), ...asProgramSees(rollback) });
    assert.equal(parsed.release.digest, D1);
    assert.equal(parsed.release.proxyDigest, P1);
  });
});

describe("AWS acceptance test: the ephemeral SSH key pair", () => {
  it("is an OpenSSH ed25519 line whose key is the private key's public half", () => {
    const pair = ephemeralKeyPair("berth-acceptance@x");
    assert.match(pair.publicKey, /^ssh-ed25519 [A-Za-z0-9+/]+={0,3} berth-acceptance@x$/);
    assert.match(
      pair.privateKey,
      /^-----BEGIN OPENSSH PRIVATE KEY-----\n[\s\S]+-----END OPENSSH PRIVATE KEY-----\n?$/,
    );
    const blob = Buffer.from(pair.publicKey.split(" ")[1] as string, "base64");
    assert.equal(blob.readUInt32BE(0), 11);
    assert.equal(blob.subarray(4, 15).toString(), "ssh-ed25519");
    assert.equal(blob.readUInt32BE(15), 32);
    // The config's own check: the private half is readable by the login check and is this pair's.
    assert.equal(keyPairProblem(pair.privateKey, pair.publicKey), undefined);
  });

  it("is new for every run", () => {
    assert.notEqual(ephemeralKeyPair("a").publicKey, ephemeralKeyPair("a").publicKey);
  });
});

describe("AWS acceptance test: options", () => {
  const problem = (argv: string[]) => {
    const parsed = parseOptions(argv);
    assert.equal(parsed.kind, "problem", JSON.stringify(parsed));
    return (parsed as { problem: string }).problem;
  };

  it("needs --region and --ssh-cidr", () => {
    assert.match(problem([]), /^missing --region/);
    assert.match(problem(["--region", "eu-west-1"]), /^missing --ssh-cidr/);
  });

  it("refuses a bad region, a bad CIDR, a wide CIDR and unknown options, in one line each", () => {
    const problems = [
      problem(["--region", "Ireland", "--ssh-cidr", "203.0.113.10/32"]),
      problem(["--region", "eu-west-1", "--ssh-cidr", "203.0.113.10"]),
      problem(["--region", "eu-west-1", "--ssh-cidr", "0.0.0.0/0"]),
      problem(["--region", "eu-west-1", "--ssh-cidr", "203.0.113.10/32", "--rate", "0"]),
      problem(["--region", "eu-west-1", "--ssh-cidr", "203.0.113.10/32", "--zones", "eu-west-1a"]),
      problem(["--region", "eu-west-1", "--ssh-cidr", "203.0.113.10/32", "--bogus"]),
    ];
    assert.match(problems[0] as string, /--region must be an AWS region/);
    assert.match(problems[1] as string, /--ssh-cidr must be/);
    assert.match(problems[2] as string, /--ssh-cidr must be/);
    assert.match(problems[3] as string, /--rate must be a whole number from 1 to 50/);
    assert.match(problems[4] as string, /--zones must list at least two/);
    assert.match(problems[5] as string, /bogus/);
    for (const p of problems) assert.doesNotMatch(p, /\n/);
  });

  it("has defaults for everything else", () => {
    assert.deepEqual(parseOptions(["--region", "us-east-2", "--ssh-cidr", "198.51.100.7/32"]), {
      kind: "run",
      options: {
        region: "us-east-2",
        sshCidr: "198.51.100.7/32",
        zones: ["us-east-2a", "us-east-2b"],
        instanceType: "t3.small",
        rate: 5,
        maxFailed: 0,
        deadlineMinutes: 75,
      },
    });
  });
});

/** Probes that answer from a table; records what ran. */
function fakeProbes(
  answers: Record<string, Partial<CommandResult>>,
  env: Record<string, string | undefined> = {},
  files: string[] = [],
): Probes & { ran: string[] } {
  const ran: string[] = [];
  return {
    ran,
    env,
    home: "/home/ci",
    fileExists: (file) => files.includes(file),
    async run(command, args) {
      const line = [command, ...args].join(" ");
      ran.push(line);
      const key = Object.keys(answers).find((k) => line.startsWith(k));
      const answer = key === undefined ? { found: false } : answers[key];
      return { found: true, code: 0, stdout: "", stderr: "", ...answer };
    },
  };
}

const ALL_THERE = {
  "pulumi version": { stdout: "v3.200.0\n" },
  "aws sts get-caller-identity": { stdout: '{"Account":"1"}' },
  "pulumi whoami": { stdout: "ci\n" },
  "docker info": { stdout: "28.0.1\n" },
};

/** The table without one command: that program is not installed. */
function without(table: typeof ALL_THERE, command: keyof typeof ALL_THERE) {
  return Object.fromEntries(Object.entries(table).filter(([k]) => k !== command));
}

describe("AWS acceptance test: preconditions", () => {
  it("all present: nothing missing", async () => {
    assert.equal(await missingPrecondition(fakeProbes(ALL_THERE), "eu-west-1"), undefined);
  });

  it("no Pulumi CLI: says so first, in one line, and probes nothing else", async () => {
    const probes = fakeProbes({});
    const line = await missingPrecondition(probes, "eu-west-1");
    assert.equal(
      line,
      "no Pulumi CLI: `pulumi version` is not on PATH; install it from https://www.pulumi.com/docs/iac/download-install/",
    );
    assert.deepEqual(probes.ran, ["pulumi version"]);
  });

  it("a broken Pulumi CLI: its exit code and first error line", async () => {
    const probes = fakeProbes({
      "pulumi version": { code: 127, stderr: "\nbad interpreter\nmore" },
    });
    assert.equal(
      await missingPrecondition(probes, "eu-west-1"),
      "no Pulumi CLI: `pulumi version` exited 127: bad interpreter; install it from https://www.pulumi.com/docs/iac/download-install/",
    );
  });

  it("AWS credentials: the AWS CLI asks AWS when it is installed", async () => {
    const probes = fakeProbes({
      ...ALL_THERE,
      "aws sts get-caller-identity": {
        code: 255,
        stderr: "Unable to locate credentials. You can configure credentials by running aws login.",
      },
    });
    assert.equal(
      await missingPrecondition(probes, "eu-west-1"),
      "no usable AWS credentials: `aws sts get-caller-identity` exited 255: Unable to locate credentials. You can configure credentials by running aws login.",
    );
    assert.ok(probes.ran.includes("aws sts get-caller-identity --region eu-west-1"));
    assert.ok(!probes.ran.some((r) => r.startsWith("docker")));
  });

  it("AWS credentials without the AWS CLI: what the SDK would find must exist", async () => {
    const noAwsCli = without(ALL_THERE, "aws sts get-caller-identity");
    assert.equal(
      await missingPrecondition(fakeProbes(noAwsCli), "eu-west-1"),
      "no AWS credentials: set AWS_PROFILE, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN (or install the AWS CLI and log in)",
    );
    for (const env of [
      { AWS_PROFILE: "sandbox" },
      { AWS_ACCESS_KEY_ID: "AKIAEXAMPLE", AWS_SECRET_ACCESS_KEY: "x" },
      { AWS_WEB_IDENTITY_TOKEN_FILE: "/tmp/token", AWS_ROLE_ARN: "arn:aws:iam::1:role/r" },
    ])
      assert.equal(await missingPrecondition(fakeProbes(noAwsCli, env), "eu-west-1"), undefined);
    assert.equal(
      await missingPrecondition(fakeProbes(noAwsCli, {}, ["/home/ci/.aws/credentials"]), "x-1"),
      undefined,
    );
    assert.notEqual(
      await missingPrecondition(fakeProbes(noAwsCli, { AWS_ACCESS_KEY_ID: "only" }), "x-1"),
      undefined,
      "a key id without its secret is not a credential",
    );
  });

  it("no Pulumi backend login, then no Docker engine", async () => {
    assert.match(
      (await missingPrecondition(
        fakeProbes({
          ...ALL_THERE,
          "pulumi whoami": {
            code: 255,
            stderr:
              "error: PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions",
          },
        }),
        "eu-west-1",
      )) ?? "",
      /^no Pulumi backend login: `pulumi whoami` exited 255: error: PULUMI_ACCESS_TOKEN must be set.*; run pulumi login/,
    );
    const noDocker = without(ALL_THERE, "docker info");
    assert.equal(
      await missingPrecondition(fakeProbes(noDocker), "eu-west-1"),
      "no Docker engine (the first up builds the image): `docker info` is not on PATH",
    );
    assert.equal(
      await missingPrecondition(
        fakeProbes({
          ...ALL_THERE,
          "docker info": {
            code: 1,
            stderr: "Cannot connect to the Docker daemon at unix:///var/run/docker.sock.",
          },
        }),
        "eu-west-1",
      ),
      "no Docker engine (the first up builds the image): `docker info` exited 1: Cannot connect to the Docker daemon at unix:///var/run/docker.sock.",
    );
  });
});

describe("AWS acceptance test: main stops at once with one line", () => {
  function io(probes: Probes) {
    const out: string[] = [];
    const err: string[] = [];
    let runs = 0;
    const mainIo: MainIo = {
      probes,
      out: (l) => out.push(l),
      err: (l) => err.push(l),
      run: async () => {
        runs++;
        return 0;
      },
    };
    return { mainIo, out, err, runs: () => runs };
  }
  const ARGS = ["--region", "eu-west-1", "--ssh-cidr", "203.0.113.10/32"];

  it("without the Pulumi CLI: exit 2, one line on stderr, nothing run", async () => {
    const t = io(fakeProbes({}));
    assert.equal(await main(ARGS, t.mainIo), 2);
    assert.deepEqual(t.err, [
      "test:aws: cannot start: no Pulumi CLI: `pulumi version` is not on PATH; install it from https://www.pulumi.com/docs/iac/download-install/",
    ]);
    assert.deepEqual(t.out, []);
    assert.equal(t.runs(), 0);
  });

  it("without AWS credentials: exit 2, one line, nothing run", async () => {
    const noAwsCli = without(ALL_THERE, "aws sts get-caller-identity");
    const t = io(fakeProbes(noAwsCli));
    assert.equal(await main(ARGS, t.mainIo), 2);
    assert.equal(t.err.length, 1);
    assert.match(t.err[0] as string, /^test:aws: cannot start: no AWS credentials: /);
    assert.equal(t.runs(), 0);
  });

  it("with a bad option: exit 2, one line, no probe ran", async () => {
    const probes = fakeProbes(ALL_THERE);
    const t = io(probes);
    assert.equal(await main(["--region", "eu-west-1"], t.mainIo), 2);
    assert.equal(t.err.length, 1);
    assert.deepEqual(probes.ran, []);
  });

  it("with everything present: runs", async () => {
    const t = io(fakeProbes(ALL_THERE));
    assert.equal(await main(ARGS, t.mainIo), 0);
    assert.equal(t.runs(), 1);
    assert.deepEqual(t.err, []);
  });
});

describe("AWS acceptance test: cleanup commands and the ECR state edit", () => {
  const target = {
    stackName: "berth-acc-202611300905-0a1b2c",
    region: "eu-west-1",
    app: "shop-api",
    workDir: "/tmp/berth-acc-Ab12Cd",
  };

  it("prints the exact commands, with the region", () => {
    assert.deepEqual(manualCleanupCommands(target), [
      "cd /tmp/berth-acc-Ab12Cd",
      "aws ecr delete-repository --force --region eu-west-1 --repository-name shop-api-berth-acc-202611300905-0a1b2c-app",
      "aws ecr delete-repository --force --region eu-west-1 --repository-name shop-api-berth-acc-202611300905-0a1b2c-proxy",
      "pulumi destroy -s berth-acc-202611300905-0a1b2c --yes",
      "pulumi stack rm berth-acc-202611300905-0a1b2c --yes",
    ]);
    assert.equal(manualCleanupCommands({ ...target, workDir: "/tmp/a b" })[0], "cd '/tmp/a b'");
  });

  it("writes the same commands as a script CI can run when the test could not", () => {
    const script = cleanupScriptText(target, "/work/main");
    assert.match(script, /^#!\/usr\/bin\/env bash\n/);
    assert.match(script, /\ncd \/tmp\/berth-acc-Ab12Cd 2>\/dev\/null \|\| cd \/work\/main\n/);
    assert.match(script, /\naws ecr delete-repository .*-app \|\| true\n/);
    assert.match(
      script,
      /\npulumi destroy -s berth-acc-202611300905-0a1b2c --yes\npulumi stack rm berth-acc-202611300905-0a1b2c --yes\n$/,
    );
  });

  it("sets forceDelete on the ECR repositories in the state, and nothing else", () => {
    const state: Deployment = {
      version: 3,
      deployment: {
        manifest: { time: "t" },
        resources: [
          { type: "pulumi:pulumi:Stack", outputs: {} },
          {
            type: ECR_REPOSITORY_TYPE,
            inputs: { name: "shop-api-x-app", forceDelete: false },
            outputs: { name: "shop-api-x-app", forceDelete: false, id: "shop-api-x-app" },
          },
          {
            type: ECR_REPOSITORY_TYPE,
            inputs: { name: "shop-api-x-proxy", forceDelete: false },
            outputs: { name: "shop-api-x-proxy", forceDelete: false },
          },
          { type: "aws:ec2/instance:Instance", inputs: { forceDelete: false }, outputs: {} },
        ],
      },
    };
    const before = JSON.stringify(state);
    const { state: edited, repositories } = allowEcrDeletion(state);
    assert.deepEqual(repositories, ["shop-api-x-app", "shop-api-x-proxy"]);
    assert.equal(JSON.stringify(state), before, "the input is not modified");
    const resources = edited.deployment.resources as {
      type: string;
      inputs?: Record<string, unknown>;
      outputs?: Record<string, unknown>;
    }[];
    for (const r of resources.filter((x) => x.type === ECR_REPOSITORY_TYPE)) {
      assert.equal(r.outputs?.forceDelete, true);
      assert.equal(r.inputs?.forceDelete, true);
    }
    assert.equal(resources[3]?.inputs?.forceDelete, false);
    assert.deepEqual(allowEcrDeletion(edited).repositories, [], "already deletable: no change");
    assert.deepEqual(allowEcrDeletion({ version: 3, deployment: {} }).repositories, []);
  });
});

describe("AWS acceptance test: serving checks", () => {
  it("compares /version's digest by its sha256, with or without the repository", () => {
    assert.ok(servesDigest({ release: "r", digest: D1 }, D1));
    assert.ok(servesDigest({ digest: `sha256:${hex("a")}` }, D1));
    assert.ok(!servesDigest({ digest: D2 }, D1));
    assert.ok(!servesDigest({}, D1));
    assert.ok(!servesDigest("text", D1));
  });

  it("polls until / answers and /version shows the digest", async () => {
    const answers = [
      { status: 503, body: "" },
      { status: 200, body: {} },
      { status: 200, body: { digest: D2 } },
      { status: 200, body: {} },
      { status: 200, body: { digest: D1 } },
    ];
    const asked: string[] = [];
    let slept = 0;
    await waitForRelease(URL_, D1, {
      attempts: 5,
      intervalMs: 1000,
      get: async (url) => {
        asked.push(new URL(url).pathname);
        return answers.shift() ?? { status: 599, body: "" };
      },
      sleep: async () => {
        slept++;
      },
    });
    assert.deepEqual(asked, ["/", "/", "/version", "/", "/version"]);
    assert.equal(slept, 2);
  });

  it("gives up after its attempts, with the last answer", async () => {
    await assert.rejects(
      waitForRelease(URL_, D1, {
        attempts: 3,
        intervalMs: 1,
        get: async (url) =>
          url.endsWith("/version")
            ? { status: 200, body: { digest: D2 } }
            : { status: 200, body: "" },
        sleep: async () => undefined,
      }),
      (error: Error) => {
        assert.match(error.message, /does not serve .*sha256:a{64} \(3 attempts\)/);
        assert.match(error.message, /last: GET \/version answered 200 .*sha256:b{64}/);
        return true;
      },
    );
  });
});

describe("AWS acceptance test: progress", () => {
  it("prints each step with the seconds since the start", () => {
    let now = 1_000_000;
    const lines: string[] = [];
    const progress = createProgress(
      (l) => lines.push(l),
      () => now,
    );
    progress.step("create the stack");
    now += 42_500;
    progress.info("url http://x");
    now += 1_000_000;
    progress.step("clean up");
    assert.deepEqual(lines, [
      "[    0s] ==> create the stack",
      "[   42s]     url http://x",
      "[ 1042s] ==> clean up",
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// The run itself, against a fake stack.

type Call = string;

interface FakeOptions {
  failOn?: Partial<Record<string, Error>>;
  digests?: string[];
  loadFailed?: number;
}

function fakeRun(options: FakeOptions = {}) {
  const calls: Call[] = [];
  const printed: string[] = [];
  const steps: string[] = [];
  const files = new Map<string, string>();
  const work = { removed: false, secondRelease: false };
  const digests = [...(options.digests ?? [D1, D2, D1])];
  const controller = new AbortController();
  const upSignals: (AbortSignal | undefined)[] = [];
  const fail = (what: string) => {
    const error = options.failOn?.[what];
    if (error) throw error;
  };
  const stack: StackLike & { configs: ConfigMap[] } = {
    name: "berth-acc-202611300905-0a1b2c",
    configs: [],
    async setAllConfig(config) {
      calls.push("setAllConfig");
      this.configs.push(config);
      fail(`setAllConfig#${this.configs.length}`);
    },
    async up(upOptions: UpOptions) {
      const n = calls.filter((c) => c.startsWith("up")).length + 1;
      calls.push(`up#${n}${work.secondRelease ? "+second" : ""}`);
      assert.deepEqual(upOptions.policyPacks, ["/repo/policy"]);
      upSignals.push(upOptions.signal);
      fail(`up#${n}`);
      return {
        outputs: {
          url: { value: URL_ },
          digest: { value: digests[n - 1] },
          proxyDigest: { value: P1 },
        },
      };
    },
    async destroy() {
      calls.push("destroy");
      fail("destroy");
    },
    async exportStack() {
      calls.push("exportStack");
      fail("exportStack");
      return {
        version: 3,
        deployment: {
          resources: [{ type: ECR_REPOSITORY_TYPE, inputs: {}, outputs: { name: "r" } }],
        },
      };
    },
    async importStack(state) {
      calls.push(`importStack forceDelete=${state.deployment.resources[0].outputs.forceDelete}`);
    },
    workspace: {
      async removeStack(name) {
        calls.push(`removeStack ${name}`);
        fail("removeStack");
      },
    },
  };
  const loads: LoadSummary[] = [];
  const deps: AcceptanceDeps = {
    progress: {
      step: (t) => steps.push(t),
      info: (t) => steps.push(`  ${t}`),
      seconds: () => 0,
    },
    pulumiOutput: () => undefined,
    print: (l) => printed.push(l),
    createWorkDir: () => {
      calls.push("createWorkDir");
      fail("createWorkDir");
      return {
        dir: "/tmp/berth-acc-XYZ",
        addSecondRelease: (label) => {
          calls.push(`addSecondRelease ${label}`);
          work.secondRelease = true;
        },
        remove: () => {
          calls.push("removeWorkDir");
          work.removed = true;
        },
      };
    },
    createStack: async (name, dir) => {
      calls.push(`createStack ${name} in ${dir}`);
      fail("createStack");
      return stack;
    },
    waitForRelease: async (_url, digest) => {
      calls.push(`check ${digest === D1 ? "D1" : digest === D2 ? "D2" : digest}`);
      fail(`check ${digest === D1 ? "D1" : "D2"}`);
    },
    startLoad: () => {
      calls.push("startLoad");
      return {
        stop: async () => {
          calls.push("stopLoad");
          const failed = options.loadFailed ?? 0;
          const summary: LoadSummary = {
            sent: 100,
            ok: 100 - failed,
            non2xx: failed,
            errors: 0,
            failed,
            pending: 0,
            statuses: failed ? { "502": failed } : {},
            errorKinds: {},
            firstFailures: failed ? ["+3.0s 502"] : [],
          };
          loads.push(summary);
          return summary;
        },
      };
    },
    writeCleanupScript: (file, text) => {
      calls.push(`writeCleanupScript ${file}`);
      files.set(file, text);
    },
    removeCleanupScript: (file) => {
      calls.push(`removeCleanupScript ${file}`);
      files.delete(file);
    },
  };
  const base = readStackFile("staging");
  const s = settings();
  const plan: AcceptancePlan = {
    stackName: s.stackName,
    region: "eu-west-1",
    app: "shop-api",
    config: acceptanceConfig(base, s),
    values: acceptanceValues(base, s),
    maxFailed: 0,
    policyPacks: ["/repo/policy"],
    repoRoot: "/repo",
    cleanupScript: "/runner/cleanup.sh",
    signal: controller.signal,
  };
  return { calls, printed, steps, files, work, stack, plan, deps, controller, loads, upSignals };
}

const CLEANUP = [
  "exportStack",
  "importStack forceDelete=true",
  "destroy",
  "removeStack berth-acc-202611300905-0a1b2c",
];

describe("AWS acceptance test: the run against a fake stack", () => {
  it("passes: up, check, second digest under load, rollback under load, then destroy and remove", async () => {
    const t = fakeRun();
    const result = await runAcceptance(t.plan, t.deps);
    assert.deepEqual(result.problems, []);
    assert.equal(result.passed, true);
    assert.equal(result.cleanedUp, true);
    assert.deepEqual(t.calls, [
      "createWorkDir",
      "createStack berth-acc-202611300905-0a1b2c in /tmp/berth-acc-XYZ",
      "writeCleanupScript /runner/cleanup.sh",
      "setAllConfig",
      "up#1",
      "check D1",
      "addSecondRelease berth-acc-202611300905-0a1b2c-2",
      "startLoad",
      "up#2+second",
      "stopLoad",
      "check D2",
      "setAllConfig",
      "startLoad",
      "up#3+second",
      "stopLoad",
      "check D1",
      ...CLEANUP,
      "removeCleanupScript /runner/cleanup.sh",
      "removeWorkDir",
    ]);
    assert.equal(t.stack.configs[0], t.plan.config);
    assert.deepEqual(JSON.parse(t.stack.configs[1]?.["berth:release"]?.value ?? "{}"), {
      ...(t.plan.values["berth:release"] as object),
      digest: D1,
      proxyDigest: P1,
    });
    assert.equal(result.passedChecks.length, 5);
    assert.equal(t.printed.length, 0);
  });

  it("hands each up the signal that cancels it: its own when given, else the stop signal", async () => {
    const t = fakeRun();
    await runAcceptance(t.plan, t.deps);
    assert.deepEqual(t.upSignals, [t.controller.signal, t.controller.signal, t.controller.signal]);
    const terminal = fakeRun();
    const cancelUp = new AbortController();
    terminal.plan.upSignal = cancelUp.signal;
    await runAcceptance(terminal.plan, terminal.deps);
    assert.deepEqual(terminal.upSignals, [cancelUp.signal, cancelUp.signal, cancelUp.signal]);
  });

  for (const failing of ["up#1", "check D1", "up#2", "check D2", "setAllConfig#2", "up#3"]) {
    it(`cleans up when ${failing} fails, and reports it`, async () => {
      const t = fakeRun({ failOn: { [failing]: new Error(`boom in ${failing}`) } });
      const result = await runAcceptance(t.plan, t.deps);
      assert.equal(result.passed, false);
      assert.equal(result.cleanedUp, true);
      assert.deepEqual(result.problems, [`boom in ${failing}`]);
      assert.deepEqual(t.calls.slice(-6), [
        ...CLEANUP,
        "removeCleanupScript /runner/cleanup.sh",
        "removeWorkDir",
      ]);
      assert.equal(
        t.calls.filter((c) => c === "startLoad").length,
        t.calls.filter((c) => c === "stopLoad").length,
        "every load started is stopped",
      );
    });
  }

  it("shows the CLI's stderr of a failed up (its stdout was already streamed)", async () => {
    const error = new Error(
      "code: 255\n stdout: Updating (berth-acc)\n  + 40 to create\n stderr: error: update failed\n   detail line\n",
    );
    const t = fakeRun({ failOn: { "up#1": error } });
    const result = await runAcceptance(t.plan, t.deps);
    assert.deepEqual(result.problems, ["error: update failed"]);
    assert.deepEqual(t.printed, [
      "     stderr: error: update failed",
      "       detail line",
      "    ",
    ]);
  });

  it("cleans up when the second up deploys the first digest again", async () => {
    const t = fakeRun({ digests: [D1, D1, D1] });
    const result = await runAcceptance(t.plan, t.deps);
    assert.equal(result.passed, false);
    assert.match(result.problems[0] ?? "", /second up deployed the first digest again/);
    assert.deepEqual(t.calls.slice(-6, -2), CLEANUP);
  });

  it("counts failed requests as a failure but still rolls back and cleans up", async () => {
    const t = fakeRun({ loadFailed: 3 });
    const result = await runAcceptance(t.plan, t.deps);
    assert.equal(result.passed, false);
    assert.equal(result.cleanedUp, true);
    assert.equal(result.problems.length, 2);
    assert.match(
      result.problems[0] ?? "",
      /^second release: 3 of 100 requests failed \(allowed: 0\)/,
    );
    assert.match(result.problems[1] ?? "", /^rollback: 3 of 100 requests failed/);
    assert.ok(t.calls.includes("up#3+second"));
    const tolerant = fakeRun({ loadFailed: 3 });
    tolerant.plan.maxFailed = 3;
    assert.equal((await runAcceptance(tolerant.plan, tolerant.deps)).passed, true);
  });

  it("still destroys when the state cannot be exported for the ECR edit", async () => {
    const t = fakeRun({ failOn: { exportStack: new Error("no state") } });
    const result = await runAcceptance(t.plan, t.deps);
    assert.equal(result.cleanedUp, true);
    assert.ok(t.calls.includes("destroy"));
    assert.ok(
      t.steps.some((s) => /could not mark the ECR repositories deletable: no state/.test(s)),
    );
  });

  it("prints the manual commands and keeps the work dir when destroy fails", async () => {
    const destroyError = new Error(
      "code: 255\n stdout: Destroying (berth-acc)\n stderr: error: deleting ECR Repository: RepositoryNotEmptyException\n",
    );
    const t = fakeRun({ failOn: { "up#2": new Error("boom"), destroy: destroyError } });
    const result = await runAcceptance(t.plan, t.deps);
    assert.equal(result.cleanedUp, false);
    assert.equal(result.passed, false);
    assert.ok(!t.calls.includes("removeStack berth-acc-202611300905-0a1b2c"));
    assert.equal(t.work.removed, false, "the work dir holds the stack's config file");
    assert.ok(t.files.has("/runner/cleanup.sh"), "the cleanup script stays for CI");
    assert.deepEqual(t.printed, [
      "cleanup failed: error: deleting ECR Repository: RepositoryNotEmptyException",
      "The stack berth-acc-202611300905-0a1b2c in eu-west-1 still exists and costs money. Remove it by hand (the",
      "ECR deletes may say the repository does not exist: that is fine):",
      "  cd /tmp/berth-acc-XYZ",
      "  aws ecr delete-repository --force --region eu-west-1 --repository-name shop-api-berth-acc-202611300905-0a1b2c-app",
      "  aws ecr delete-repository --force --region eu-west-1 --repository-name shop-api-berth-acc-202611300905-0a1b2c-proxy",
      "  pulumi destroy -s berth-acc-202611300905-0a1b2c --yes",
      "  pulumi stack rm berth-acc-202611300905-0a1b2c --yes",
    ]);
  });

  it("prints the manual commands when removing the stack fails after destroy", async () => {
    const t = fakeRun({ failOn: { removeStack: new Error("stack is locked") } });
    const result = await runAcceptance(t.plan, t.deps);
    assert.equal(result.cleanedUp, false);
    assert.equal(t.printed[0], "cleanup failed: stack is locked");
    assert.ok(t.printed.includes("  pulumi stack rm berth-acc-202611300905-0a1b2c --yes"));
  });

  it("has nothing to destroy when the stack was never created", async () => {
    const t = fakeRun({ failOn: { createStack: new Error("no such backend") } });
    const result = await runAcceptance(t.plan, t.deps);
    assert.deepEqual(result, {
      passed: false,
      cleanedUp: true,
      problems: ["no such backend"],
      passedChecks: [],
    });
    assert.deepEqual(t.calls, [
      "createWorkDir",
      "createStack berth-acc-202611300905-0a1b2c in /tmp/berth-acc-XYZ",
      "removeWorkDir",
    ]);
  });

  it("starts no new step after the deadline or an interrupt, and still cleans up", async () => {
    const t = fakeRun();
    const waitForRelease = t.deps.waitForRelease;
    t.deps.waitForRelease = async (url, digest, signal) => {
      await waitForRelease(url, digest, signal);
      t.controller.abort("the deadline of 75 minutes passed");
    };
    const result = await runAcceptance(t.plan, t.deps);
    assert.deepEqual(result.problems, [
      'stopped before "up 2/3: a second image, rolled out under constant load through the ALB": the deadline of 75 minutes passed',
    ]);
    assert.ok(!t.calls.some((c) => c.startsWith("up#2")));
    assert.deepEqual(t.calls.slice(-6, -2), CLEANUP);
  });
});

describe("AWS acceptance test: error gist", () => {
  it("keeps the error lines of an Automation API error, or its first line", () => {
    assert.equal(
      errorGist(
        new Error(
          "code: 255\n stdout: Updating\n   + aws:ec2:Instance\n stderr: error: update failed\n    error: 1 error occurred: creating EC2 Instance: InsufficientInstanceCapacity\n",
        ),
      ),
      "error: update failed | error: 1 error occurred: creating EC2 Instance: InsufficientInstanceCapacity",
    );
    assert.equal(errorGist(new Error("just this\nand that")), "just this");
    assert.equal(errorGist("a string"), "a string");
  });
});
