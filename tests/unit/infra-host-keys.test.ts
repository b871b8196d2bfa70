/**
 * Host identity: the program generates every host's and the bastion's ed25519 SSH host key before
 * the instance exists, keeps the private half as a secret in one SSM SecureString parameter the
 * machine's own role may read, tells the machine (in user data) only the parameter's name, and
 * pins the public half in every connection; a deploy whose stdin carries secrets over an
 * unpinned connection is refused, naming the host.
 */
import assert from "node:assert/strict";
import { parse as parseYaml } from "yaml";
import { Release } from "../../infra/src/components/release";
import { readAgentScript } from "../../infra/src/files";
import {
  INSTALL_HOST_KEY_PATH,
  hostKeyParameterName,
  unpinnedSecretsProblem,
} from "../../infra/src/hostKeys";
import { ProgramRun, runProgram, runStackOnce } from "../support/pulumi/runProgram";
import { pulumi } from "../support/pulumi/sdk";

const INSTANCE = "aws:ec2/instance:Instance";
const KEY = "tls:index/privateKey:PrivateKey";
const PARAMETER = "aws:ssm/parameter:Parameter";
const COMMAND = "command:remote:Command";

/** Per machine (host-1, ..., bastion): its generated key, its parameter and its instance. */
function machines(run: ProgramRun) {
  return run.ofType(INSTANCE).map((instance) => {
    const machine = instance.name.endsWith("-bastion-instance")
      ? "bastion"
      : (/host-\d+$/.exec(instance.name)?.[0] as string);
    const prefix = machine === "bastion" ? "shop-api-bastion" : `shop-api-hosts-${machine}`;
    return {
      machine,
      instance,
      key: run.get(KEY, `${prefix}-host-key-ed25519`),
      parameter: run.get(PARAMETER, `${prefix}-host-key-parameter`),
    };
  });
}

const connection = (r: { inputs: Record<string, unknown> }) =>
  r.inputs.connection as Record<string, unknown> & { proxy?: Record<string, unknown> };

describe("infra host keys: generated, delivered by the instance role, pinned everywhere", () => {
  let staging: ProgramRun;
  let prod: ProgramRun;
  before(async () => {
    staging = await runStackOnce("staging");
    prod = await runStackOnce("prod");
  });

  it("generates an ed25519 key per host and for the bastion, kept secret in an SSM SecureString of the Standard tier", () => {
    for (const run of [staging, prod]) {
      const all = machines(run);
      assert.deepEqual(
        all.map((m) => m.machine).sort(),
        run.stack === "prod" ? ["bastion", "host-1", "host-2"] : ["host-1"],
      );
      for (const { machine, key, parameter } of all) {
        assert.equal(key.inputs.algorithm, "ED25519");
        assert.ok(
          key.additionalSecretOutputs.includes("privateKeyOpenssh"),
          "the private half is a secret in state",
        );
        assert.equal(parameter.inputs.name, hostKeyParameterName("shop-api", run.stack, machine));
        assert.equal(parameter.inputs.type, "SecureString");
        assert.equal(parameter.inputs.tier, "Standard");
        assert.equal(parameter.inputs.value, key.state.privateKeyOpenssh);
        assert.match(String(parameter.inputs.value), /^-----BEGIN OPENSSH PRIVATE KEY-----\n/);
        assert.ok(parameter.secretInputPaths.includes("value"), `${machine}: value not secret`);
        assert.ok(
          Buffer.byteLength(String(parameter.inputs.value)) <= 4096,
          "fits the Standard tier",
        );
      }
    }
  });

  it("tells each machine only its parameter's name, and runs the installer before anything else", () => {
    for (const run of [staging, prod]) {
      for (const { machine, instance, parameter } of machines(run)) {
        const userData = String(instance.inputs.userData);
        assert.doesNotMatch(userData, /PRIVATE KEY/, `${machine}: a key in user data`);
        const doc = parseYaml(userData) as {
          write_files: { path: string }[];
          runcmd: string[][];
        };
        assert.ok(doc.write_files.some((f) => f.path === INSTALL_HOST_KEY_PATH));
        assert.deepEqual(doc.runcmd[0], [
          INSTALL_HOST_KEY_PATH,
          String(parameter.inputs.name),
          "eu-west-1",
        ]);
      }
    }
  });

  it("pins each host's generated key, and the bastion's, in every remote command; the outputs carry the same keys for the CLI", () => {
    for (const run of [staging, prod]) {
      const keys = Object.fromEntries(
        machines(run).map((m) => [m.machine, String(m.key.state.publicKeyOpenssh).trim()]),
      );
      assert.deepEqual(run.outputs.hostKeys, keys);
      const commands = run.ofType(COMMAND);
      assert.equal(commands.length, run.stack === "prod" ? 4 : 2);
      for (const command of commands) {
        const host = /host-\d+/.exec(command.name)?.[0] as string;
        assert.equal(connection(command).hostKey, keys[host], command.name);
        assert.match(String(connection(command).hostKey), /^ssh-ed25519 [A-Za-z0-9+/]+=*$/);
        if (run.stack === "prod") assert.equal(connection(command).proxy?.hostKey, keys.bastion);
        else assert.equal(connection(command).proxy, undefined);
      }
    }
  });

  it("berth:ssh.hostKeys overrides the pin of the hosts it names (hosts that predate generated keys)", async () => {
    const hostKey =
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB0zZ7n3sV1wQyX9c8Tt3cJ6bQvJ3Fz1m2QGkq7Yx9hA";
    const run = await runProgram({
      stack: "prod",
      configOverrides: {
        "berth:ssh": {
          allowedCidrs: ["203.0.113.10/32"],
          publicKey: "ssh-ed25519 AAAA placeholder",
          hostKeys: { "host-1": hostKey },
        },
      },
    });
    const generated = Object.fromEntries(
      machines(run).map((m) => [m.machine, String(m.key.state.publicKeyOpenssh).trim()]),
    );
    const deploys = run.ofType(COMMAND).filter((c) => !c.name.endsWith("-agent"));
    assert.equal(connection(deploys[0]!).hostKey, hostKey);
    assert.equal(connection(deploys[1]!).hostKey, generated["host-2"]);
    assert.equal(connection(deploys[1]!).proxy?.hostKey, generated.bastion);
    assert.equal((run.outputs.hostKeys as Record<string, string>)["host-1"], hostKey);
  });
});

describe("a deploy whose stdin carries secrets over an unpinned connection is refused", () => {
  it("names the host, the secrets and what is unpinned, in one line", () => {
    assert.equal(
      unpinnedSecretsProblem({ host: "host-2", hostKey: undefined }, ["DATABASE_URL"]),
      "refusing to deploy to host-2: its stdin carries secrets (DATABASE_URL) and host-2's SSH host key is not pinned, so any machine answering at that address would receive them; pin it (the program pins the key it generates; berth:ssh.hostKeys overrides)",
    );
    const viaBastion = unpinnedSecretsProblem(
      { host: "host-1", hostKey: "ssh-ed25519 AAAA", bastion: { hostKey: "" } },
      ["A", "B"],
    );
    assert.match(
      String(viaBastion),
      /^refusing to deploy to host-1: .*\(A, B\) and the bastion's SSH/,
    );
    assert.doesNotMatch(String(viaBastion), /\n/);
    assert.equal(
      unpinnedSecretsProblem({ host: "host-1", hostKey: "ssh-ed25519 AAAA" }, ["A"]),
      undefined,
    );
    assert.equal(unpinnedSecretsProblem({ host: "host-1", hostKey: undefined }, []), undefined);
  });

  /** A Release of one host under the engine's rules (mocks), with or without a pinned key. */
  const releaseOf = (hostKey: string | undefined, secretNames: string[]) =>
    runProgram({
      stack: "staging",
      program: () => {
        const spec = pulumi.secret({
          app: "shop-api",
          stack: "staging",
          image: `repo@sha256:${"a".repeat(64)}`,
          proxyImage: `proxy@sha256:${"b".repeat(64)}`,
          web: { command: null, port: 3000, healthPath: "/healthz" },
          worker: null,
          releaseCommand: null,
          env: { DATABASE_URL: "postgres://secret" },
          timeouts: { healthSeconds: 60, drainSeconds: 10, stopSeconds: 30 },
          keepReleases: 3,
          guard: { smokePaths: [], smokeStatuses: ["2xx"], bakeSeconds: 0, maxErrorRate: 0.05 },
        });
        const release = new Release("shop-api-release", {
          targets: [{ name: "host-1", address: "203.0.113.7", hostKey, dependsOn: [] }],
          batchSize: 1,
          releaseCommand: false,
          spec: spec as never,
          registry: { server: "123456789012.dkr.ecr.eu-west-1.amazonaws.com", method: "helper" },
          agent: readAgentScript(),
          privateKey: pulumi.secret(
            "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----\n",
          ),
          secretNames,
        });
        // As in the program: the host's receipt is a stack output, so a refused deploy fails the run.
        return { releases: release.summaries };
      },
    });

  it("stops the run, naming the host, when a Release target has no host key and the stdin has secrets", async () => {
    await assert.rejects(releaseOf(undefined, ["DATABASE_URL"]), (error: Error) => {
      assert.match(
        error.message,
        /^refusing to deploy to host-1: its stdin carries secrets \(DATABASE_URL\)/,
      );
      assert.equal(pulumi.RunError.isInstance(error), true, "printed without a stack trace");
      return true;
    });
  });

  it("deploys when the connection is pinned", async () => {
    const run = await releaseOf(
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB0zZ7n3sV1wQyX9c8Tt3cJ6bQvJ3Fz1m2QGkq7Yx9hA",
      ["DATABASE_URL"],
    );
    const deploy = run.get(COMMAND, "shop-api-release-host-1");
    assert.match(String(deploy.inputs.stdin), /postgres:\/\/secret/);
  });
});
