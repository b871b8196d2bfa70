import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { knownHostsLines } from "../../cli/src/local";
import { parsePublishedPort } from "../../fleet/src/fleet";
import { CliError, readStackOutputs } from "../../cli/src/pulumi";
import {
  assertKnownStack,
  awsTarget,
  findHost,
  hostsFromOutputs,
  knownStacks,
} from "../../cli/src/targets";

describe("cli: stacks and hosts", () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "berth-cli-root-"));
    writeFileSync(join(root, "Pulumi.yaml"), "name: berth\n");
    writeFileSync(join(root, "Pulumi.staging.yaml"), "config:\n  berth:app: shop\n");
    writeFileSync(join(root, "Pulumi.prod.yaml"), "config:\n  berth:app: shop\n");
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("knows the local fleet and every Pulumi.<stack>.yaml", () => {
    assert.deepEqual(knownStacks(root), ["local", "prod", "staging"]);
  });

  it("names the valid stacks when given an unknown one", () => {
    assert.throws(
      () => assertKnownStack("production", root),
      (e: CliError) =>
        e.exitCode === 2 &&
        /unknown stack "production": use one of local, prod, staging/.test(e.message),
    );
  });

  it("reaches public hosts directly", () => {
    const { hosts, bastion, url } = hostsFromOutputs("staging", {
      url: "http://alb",
      hosts: [{ name: "host-1", privateIp: "10.0.0.5", publicIp: "198.51.100.4" }],
    });
    assert.equal(bastion, undefined);
    assert.equal(url, "http://alb");
    assert.deepEqual(hosts, [
      { name: "host-1", address: "198.51.100.4", port: 22, user: "ec2-user" },
    ]);
  });

  it("reaches private hosts on their private address through the bastion", () => {
    const { hosts, bastion } = hostsFromOutputs("prod", {
      sshUser: "admin",
      bastion: { publicIp: "203.0.113.7" },
      hosts: [
        { name: "host-1", privateIp: "10.0.10.5" },
        { name: "host-2", privateIp: "10.0.11.5" },
      ],
    });
    assert.deepEqual(bastion, { name: "bastion", address: "203.0.113.7", port: 22, user: "admin" });
    assert.deepEqual(
      hosts.map((h) => h.address),
      ["10.0.10.5", "10.0.11.5"],
    );
  });

  it("says to deploy first when the stack exports no hosts", () => {
    assert.throws(
      () => hostsFromOutputs("prod", {}),
      /stack "prod" has no "hosts" output: run pulumi up -s prod first/,
    );
  });

  it("builds an AWS target from the config file and the stack outputs", () => {
    const target = awsTarget("prod", {
      root,
      identityFile: "/id",
      run: () => ({
        status: 0,
        stdout: JSON.stringify({ hosts: [{ name: "host-1", publicIp: "198.51.100.4" }] }),
        stderr: "",
        missing: false,
      }),
    });
    assert.equal(target.app, "shop");
    assert.equal(target.access.identityFile, "/id");
    assert.equal(target.access.knownHostsFile, join(root, ".berth", "known_hosts.prod"));
  });

  it("pins the host keys the program generated (its hostKeys output), and nothing else", () => {
    writeFileSync(join(root, "Pulumi.prod.yaml"), "config:\n  berth:app: shop\n");
    const outputs = {
      bastion: "203.0.113.7",
      hosts: [
        { name: "host-1", privateIp: "10.0.10.5" },
        { name: "host-2", privateIp: "10.0.11.5" },
      ],
      hostKeys: {
        "host-1": "ssh-ed25519 AAAAgen1",
        "host-2": "ssh-ed25519 AAAAgen2",
        bastion: "ssh-ed25519 AAAAgenBastion",
      },
    };
    const run = () => ({ status: 0, stdout: JSON.stringify(outputs), stderr: "", missing: false });
    const target = awsTarget("prod", { root, run });
    assert.equal(target.access.strictHostKeyChecking, "yes");
    assert.equal(
      readFileSync(target.access.knownHostsFile, "utf8"),
      "10.0.10.5 ssh-ed25519 AAAAgen1\n10.0.11.5 ssh-ed25519 AAAAgen2\n203.0.113.7 ssh-ed25519 AAAAgenBastion\n",
    );
  });

  it("pins host keys from berth:ssh.hostKeys when every host and the bastion has one (outputs that predate hostKeys)", () => {
    writeFileSync(
      join(root, "Pulumi.prod.yaml"),
      [
        "config:",
        "  berth:app: shop",
        "  berth:ssh:",
        "    hostKeys:",
        "      host-1: ssh-ed25519 AAAAhost1 root@ip-10-0-10-5",
        "      bastion: ssh-ed25519 AAAAbastion",
        "",
      ].join("\n"),
    );
    const outputs = {
      bastion: "203.0.113.7",
      hosts: [{ name: "host-1", privateIp: "10.0.10.5" }],
    };
    const run = () => ({ status: 0, stdout: JSON.stringify(outputs), stderr: "", missing: false });
    const target = awsTarget("prod", { root, run });
    assert.equal(target.access.strictHostKeyChecking, "yes");
    assert.equal(
      readFileSync(target.access.knownHostsFile, "utf8"),
      "10.0.10.5 ssh-ed25519 AAAAhost1\n203.0.113.7 ssh-ed25519 AAAAbastion\n",
    );
    const partial = awsTarget("prod", {
      root,
      run: () => ({
        status: 0,
        stdout: JSON.stringify({
          ...outputs,
          hosts: [...outputs.hosts, { name: "host-2", privateIp: "10.0.11.5" }],
        }),
        stderr: "",
        missing: false,
      }),
    });
    assert.equal(
      partial.access.strictHostKeyChecking,
      "accept-new",
      "host-2 has no pinned key: trust on first use",
    );
  });

  it("finds a host by name or address, and lists the hosts for an unknown one", () => {
    const target = awsTarget("prod", {
      root,
      run: () => ({
        status: 0,
        stdout: JSON.stringify({ hosts: [{ name: "host-1", publicIp: "198.51.100.4" }] }),
        stderr: "",
        missing: false,
      }),
    });
    assert.equal(findHost(target, undefined).name, "host-1");
    assert.equal(findHost(target, "198.51.100.4").name, "host-1");
    assert.throws(
      () => findHost(target, "host-9"),
      /unknown host "host-9" in stack prod: use one of host-1/,
    );
  });
});

describe("cli: reading stack outputs through the Pulumi CLI", () => {
  it("says how to install the CLI when it is missing", () => {
    assert.throws(
      () =>
        readStackOutputs("prod", () => ({ status: null, stdout: "", stderr: "", missing: true })),
      /the Pulumi CLI is not installed, and reading stack "prod"'s outputs needs it: install it/,
    );
  });

  it("passes on pulumi's own error with the likely fix", () => {
    assert.throws(
      () =>
        readStackOutputs("prod", () => ({
          status: 255,
          stdout: "",
          stderr: "error: no stack named 'prod' found",
          missing: false,
        })),
      /no stack named 'prod' found; check that you are logged in/,
    );
  });

  it("asks for exactly the stack's outputs as JSON", () => {
    let seen: string[] = [];
    const outputs = readStackOutputs("staging", (args) => {
      seen = args;
      return { status: 0, stdout: '{"url":"http://x"}', stderr: "", missing: false };
    });
    assert.deepEqual(seen, ["stack", "output", "--json", "--stack", "staging"]);
    assert.deepEqual(outputs, { url: "http://x" });
  });
});

describe("cli: local fleet plumbing", () => {
  it("reads the SSH port docker published on 127.0.0.1", () => {
    assert.equal(parsePublishedPort("127.0.0.1:49153\n"), 49153);
    assert.equal(parsePublishedPort(""), undefined);
  });

  it("writes known_hosts entries for non-standard ports", () => {
    assert.equal(
      knownHostsLines([{ port: 49153, publicKey: "ssh-ed25519 AAAAC3Nza root@host-1\n" }]),
      "[127.0.0.1]:49153 ssh-ed25519 AAAAC3Nza\n",
    );
  });
});
