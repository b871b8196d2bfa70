/**
 * What the first real `pulumi up` against AWS depends on and the mocks alone would not catch:
 * SSH details Amazon Linux 2023 insists on, the ALB -> nginx timeout chain, an AMI id that is
 * not a secret, and a placeholder certificate ARN.
 */
import assert from "node:assert/strict";
import { readInstallPackagesScript } from "../../infra/src/files";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { readWebConfig } from "../../app-image/src/config";
import { hostAmi } from "../../infra/src/ami";
import { renderCloudConfig } from "../../infra/src/cloudConfig";
import {
  certificateAccountProblem,
  stackNameProblem,
  ConfigError,
  KEEPALIVE_MARGIN_SECONDS,
  MAX_IDLE_TIMEOUT_SECONDS,
  NGINX_MAX_KEEPALIVE_SECONDS,
  nginxClientKeepaliveSeconds,
  parseStackConfig,
} from "../../infra/src/config";
import { MOCK_ACCOUNT_ID } from "../support/pulumi/mocks";
import { ProgramRun, REPO_ROOT, runProgram, runStackOnce } from "../support/pulumi/runProgram";
import { pulumi } from "../support/pulumi/sdk";
import { rawStackConfig } from "../support/pulumi/stackConfig";

/** The first-boot host key step every host's user data carries (a parameter's name, no key). */
const HOST_KEY_BOOT = {
  parameterName: "/berth/shop-api/staging/host-keys/host-1",
  region: "eu-west-1",
  script: "#!/usr/bin/env bash\n",
};

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const COMMAND = "command:remote:Command";
const INSTANCE = "aws:ec2/instance:Instance";
const REGISTRY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";
const ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB0zZ7n3sV1wQyX9c8Tt3cJ6bQvJ3Fz1m2QGkq7Yx9hA";
const ECDSA = `ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBB${"A".repeat(40)}=`;
const RSA = `ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ${"C".repeat(60)}`;
const CERT_UUID = "45af6a79-68fc-4949-a580-2ba267268450";
const certIn = (account: string) => `arn:aws:acm:eu-west-1:${account}:certificate/${CERT_UUID}`;

const nginxConf = readFileSync(path.join(REPO_ROOT, "nginx", "nginx.conf"), "utf8");
const entrypoint = readFileSync(path.join(REPO_ROOT, "nginx", "entrypoint.sh"), "utf8");
const upstreamConf = readFileSync(path.join(REPO_ROOT, "nginx", "upstream.conf"), "utf8");

const userDataOf = (run: ProgramRun) =>
  run
    .ofType(INSTANCE)
    .filter((i) => i.name.includes("-hosts-"))
    .map((i) => String(i.inputs.userData));

function stagingWith(change: (raw: Raw) => void): Record<string, unknown> {
  const raw = rawStackConfig("staging") as Raw;
  change(raw);
  return raw;
}

/** An output's value and whether it is secret. */
async function resolved<T>(output: pulumi.Output<T>): Promise<{ value: T; secret: boolean }> {
  const value = await new Promise<T>((resolve) => output.apply((v) => (resolve(v), v)));
  return { value, secret: await pulumi.isSecret(output) };
}

describe("infra on AWS: SSH details Amazon Linux 2023 insists on", () => {
  let staging: ProgramRun;
  let prod: ProgramRun;
  before(async function () {
    this.timeout(120_000);
    staging = await runStackOnce("staging");
    prod = await runStackOnce("prod");
  });

  it("sends no PULUMI_COMMAND_STDOUT/STDERR: sshd refuses the variables and every update warns", () => {
    for (const run of [staging, prod]) {
      const commands = run.ofType(COMMAND);
      assert.ok(commands.length >= 2, `${run.stack} has remote commands`);
      for (const c of commands)
        assert.equal(c.inputs.addPreviousOutputInEnv, false, `${run.stack} ${c.name}`);
    }
  });

  it("pins ed25519 and ECDSA host keys", () => {
    const config = parseStackConfig(
      stagingWith((r) => (r["berth:ssh"].hostKeys = { "host-1": ED25519 })),
    );
    assert.equal(config.ssh.hostKeys["host-1"], ED25519);
    const ecdsa = parseStackConfig(
      stagingWith((r) => (r["berth:ssh"].hostKeys = { "host-1": ECDSA })),
    );
    assert.equal(ecdsa.ssh.hostKeys["host-1"], ECDSA);
  });

  it("refuses an RSA host key, naming the key and the fix (the provider would verify it with SHA-1 ssh-rsa)", () => {
    assert.throws(
      () => parseStackConfig(stagingWith((r) => (r["berth:ssh"].hostKeys = { "host-1": RSA }))),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(
          error.message,
          `berth:ssh.hostKeys.host-1 must be the host's ed25519 or ECDSA key, not RSA: the SSH provider verifies an RSA host key with ssh-rsa (SHA-1) signatures, which Amazon Linux 2023 refuses; pin the "ssh-ed25519 AAAA..." line of aws ec2 get-console-output --latest --instance-id ID (got ${JSON.stringify(RSA).slice(0, 77)}...)`,
        );
        return true;
      },
    );
  });

  it("writes the registry config for root only: the agent runs docker as root through sudo -n", () => {
    const userData = renderCloudConfig({
      hostKey: HOST_KEY_BOOT,
      app: "shop-api",
      stack: "staging",
      registryHosts: [REGISTRY],
      trustedProxyCidr: "10.20.0.0/16",
      clientKeepaliveSeconds: 75,
      installPackagesScript: readInstallPackagesScript(),
    });
    assert.match(
      userData,
      /\n {2}- path: \/root\/\.docker\/config\.json\n {4}permissions: "0600"\n/,
    );
    assert.ok(!userData.includes("/home/ec2-user"), "nothing root-owned in ec2-user's home");
    for (const run of [staging, prod])
      for (const data of userDataOf(run)) assert.ok(!data.includes("/home/ec2-user"), run.stack);
  });
});

describe("infra on AWS: the ALB -> nginx -> app timeout chain", () => {
  it("derives nginx's client keep-alive from the ALB idle timeout, always above it", () => {
    assert.equal(nginxClientKeepaliveSeconds(60), 60 + KEEPALIVE_MARGIN_SECONDS);
    assert.ok(KEEPALIVE_MARGIN_SECONDS >= 5, "room for a request already on its way");
    assert.equal(MAX_IDLE_TIMEOUT_SECONDS, NGINX_MAX_KEEPALIVE_SECONDS - KEEPALIVE_MARGIN_SECONDS);
    for (const idle of [1, 60, 300, MAX_IDLE_TIMEOUT_SECONDS]) {
      const keepalive = nginxClientKeepaliveSeconds(idle);
      assert.ok(keepalive > idle && keepalive <= NGINX_MAX_KEEPALIVE_SECONDS, `${idle}`);
    }
  });

  it("accepts the largest idle timeout nginx's keep-alive stays above", () => {
    const config = parseStackConfig(
      stagingWith((r) => (r["berth:loadBalancer"].idleTimeoutSeconds = MAX_IDLE_TIMEOUT_SECONDS)),
    );
    assert.equal(config.loadBalancer.idleTimeoutSeconds, MAX_IDLE_TIMEOUT_SECONDS);
  });

  it("rejects an idle timeout nginx's keep-alive would not stay above, in one line with key, value and limit", () => {
    for (const idle of [4000, MAX_IDLE_TIMEOUT_SECONDS + 1]) {
      assert.throws(
        () =>
          parseStackConfig(stagingWith((r) => (r["berth:loadBalancer"].idleTimeoutSeconds = idle))),
        {
          name: "ConfigError",
          message: `berth:loadBalancer.idleTimeoutSeconds must be a whole number from 1 to ${MAX_IDLE_TIMEOUT_SECONDS}, so that nginx's client keep-alive (this + ${KEEPALIVE_MARGIN_SECONDS} s, at most ${NGINX_MAX_KEEPALIVE_SECONDS} s) stays above it (got ${idle})`,
        },
      );
    }
  });

  it("hands nginx its keep-alive in the proxy env file cloud-init writes", async () => {
    const userData = renderCloudConfig({
      hostKey: HOST_KEY_BOOT,
      app: "shop-api",
      stack: "staging",
      registryHosts: [REGISTRY],
      trustedProxyCidr: "10.20.0.0/16",
      clientKeepaliveSeconds: 135,
      installPackagesScript: readInstallPackagesScript(),
    });
    assert.ok(
      userData.includes(
        JSON.stringify("TRUSTED_PROXY_CIDRS=10.20.0.0/16\nCLIENT_KEEPALIVE_SECONDS=135\n"),
      ),
    );
    const run = await runProgram({
      stack: "staging",
      configOverrides: {
        "berth:loadBalancer": { deletionProtection: false, idleTimeoutSeconds: 120 },
      },
    });
    assert.equal(
      run.ofType("aws:lb/loadBalancer:LoadBalancer")[0]?.inputs.idleTimeout,
      120,
      "the ALB gets the idle timeout",
    );
    for (const data of userDataOf(run))
      assert.ok(data.includes("CLIENT_KEEPALIVE_SECONDS=135\\n"), "nginx gets idle + margin");
    const staging = await runStackOnce("staging");
    for (const data of userDataOf(staging))
      assert.ok(data.includes(`CLIENT_KEEPALIVE_SECONDS=${nginxClientKeepaliveSeconds(60)}\\n`));
  });

  it("has nginx read its client keep-alive from the rendered file, not a literal", () => {
    const http = nginxConf.slice(nginxConf.indexOf("http {"));
    const server = http.indexOf("server {");
    const clientSide = http.slice(0, server);
    assert.doesNotMatch(clientSide, /^\s*keepalive_timeout\s/m, "no literal keep-alive");
    assert.match(clientSide, /^\s*include \/etc\/nginx\/runtime\/client-keepalive\.conf;$/m);
    assert.match(entrypoint, /keepalive_timeout %ss;/);
    assert.match(entrypoint, /"\$runtime\/client-keepalive\.conf"$/m);
  });

  it("the image's default keep-alive suits the default idle timeout, and its limit is the schema's", () => {
    const defaultIdle = parseStackConfig(stagingWith((r) => delete r["berth:loadBalancer"]))
      .loadBalancer.idleTimeoutSeconds;
    const imageDefault = Number(/CLIENT_KEEPALIVE_SECONDS:-(\d+)/.exec(entrypoint)?.[1]);
    assert.equal(imageDefault, nginxClientKeepaliveSeconds(defaultIdle));
    const imageMax = Number(/^readonly max_keepalive=(\d+)$/m.exec(entrypoint)?.[1]);
    assert.equal(imageMax, NGINX_MAX_KEEPALIVE_SECONDS);
  });

  it("keeps nginx's upstream keep-alive below the app's (60 s < 65 s)", () => {
    const upstream = Number(/keepalive_timeout\s+(\d+)s;/.exec(upstreamConf)?.[1]);
    const appKeepAliveMs = readWebConfig({
      APP_RELEASE: "r1",
      APP_DIGEST: `sha256:${"0f".repeat(32)}`,
    }).keepAliveTimeoutMs;
    assert.ok(upstream > 0 && appKeepAliveMs > upstream * 1000, `${appKeepAliveMs} > ${upstream}s`);
  });
});

describe("infra on AWS: the AMI id is no secret", () => {
  const AMI = "ami-0a1b2c3d4e5f67890";
  /** Answers the SSM parameter as the AWS provider does: `value` is sensitive, so secret. */
  const secretValueMocks: pulumi.runtime.Mocks = {
    call: (args) => ({
      id: String(args.inputs.name),
      name: String(args.inputs.name),
      type: "String",
      value: { [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value: AMI },
      insecureValue: AMI,
      version: 117,
    }),
    newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
  };

  it("reads the latest AMI as a plain string although the provider returns the parameter as a secret", async () => {
    await pulumi.runtime.setMocks(secretValueMocks, "berth", "staging", false);
    const ami = await resolved(hostAmi("t3.small", undefined, {}));
    assert.deepEqual(ami, { value: AMI, secret: false });
  });

  it("uses a pinned AMI as it is", async () => {
    await pulumi.runtime.setMocks(secretValueMocks, "berth", "staging", false);
    const pinned = await resolved(hostAmi("t3.small", "ami-0123456789abcdef0", {}));
    assert.deepEqual(pinned, { value: "ami-0123456789abcdef0", secret: false });
  });
});

describe("infra on AWS: a placeholder certificate ARN stops `up`", () => {
  it("names the key, the value, the account and the fix when the certificate is another account's", () => {
    assert.equal(certificateAccountProblem(certIn("210987654321"), "210987654321"), undefined);
    assert.equal(
      certificateAccountProblem(certIn("123456789012"), "210987654321"),
      `berth:loadBalancer.certificateArn must be an ACM certificate of the account this stack deploys to (210987654321); 123456789012 is AWS's example account, so this ARN is a placeholder: request or import a certificate there and set it with pulumi config set --path 'berth:loadBalancer.certificateArn' ARN (got "${certIn("123456789012")}")`,
    );
    assert.equal(
      certificateAccountProblem(certIn("111122223333"), "210987654321"),
      `berth:loadBalancer.certificateArn must be an ACM certificate of the account this stack deploys to (210987654321): request or import a certificate there and set it with pulumi config set --path 'berth:loadBalancer.certificateArn' ARN (got "${certIn("111122223333")}")`,
    );
  });

  it("passes when the certificate is the deploying account's (the mocks' caller owns prod's)", async () => {
    const prod = await runStackOnce("prod");
    assert.ok(
      prod.calls.some((c) => c.token === "aws:index/getCallerIdentity:getCallerIdentity"),
      "the program asked which account it deploys to",
    );
    assert.ok(String(prod.config["berth:loadBalancer"]).includes(`:${MOCK_ACCOUNT_ID}:`));
    assert.ok(prod.ofType("aws:lb/listener:Listener").length === 2);
  });

  it("stops before creating anything when the caller's account is not the certificate's", async () => {
    const foreign = certIn("210987654321");
    await assert.rejects(
      runProgram({
        stack: "prod",
        configOverrides: {
          "berth:loadBalancer": {
            certificateArn: foreign,
            deletionProtection: true,
            idleTimeoutSeconds: 60,
          },
        },
      }),
      (error: Error) => {
        assert.equal(error.message, certificateAccountProblem(foreign, MOCK_ACCOUNT_ID));
        assert.equal(pulumi.RunError.isInstance(error), true, "printed without a stack trace");
        return true;
      },
    );
    const registered = [
      ...(
        pulumi.runtime.getMonitor() as unknown as { getRegisteredResources(): Map<string, unknown> }
      )
        .getRegisteredResources()
        .keys(),
    ];
    assert.deepEqual(
      registered.filter((urn) => !urn.includes("pulumi:pulumi:Stack")),
      [],
      "nothing was created",
    );
  });

  it("needs no account check without a certificate (staging)", async () => {
    // Without berth:alarms, whose topic key policy names the account for another reason.
    const staging = await runProgram({
      stack: "staging",
      configOverrides: { "berth:alarms": { enabled: false } },
    });
    assert.ok(
      !staging.calls.some((c) => c.token === "aws:index/getCallerIdentity:getCallerIdentity"),
    );
  });
});

describe("infra on AWS: stack names", () => {
  it("refuses a stack name ECR and the agent cannot carry, before creating anything", async () => {
    await assert.rejects(runProgram({ stack: "Prod_EU", configFrom: "prod" }), (error: Error) => {
      assert.equal(error.message, stackNameProblem("Prod_EU"));
      assert.match(error.message, /1-40 lowercase letters, digits or dashes.*\(got "Prod_EU"\)$/);
      return true;
    });
    assert.equal(stackNameProblem("staging-eu"), undefined);
  });
});
