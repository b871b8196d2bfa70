/**
 * infra/host/install-host-key, the first-boot step that gives a host (or the bastion) the SSH
 * host key the program generated and pinned: it reads the key from SSM with the instance role,
 * makes it sshd's only host key and restarts sshd. Run in bash with stand-ins for `aws`,
 * `systemctl`, `sshd` and `sleep` that record their calls, the real `ssh-keygen`, and a scratch
 * directory as /etc/ssh.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { INSTALL_HOST_KEY_SOURCE } from "../../infra/src/files";
import { ed25519FromSeed } from "../support/pulumi/mocks";

const PARAMETER = "/berth/shop-api/prod/host-keys/host-1";
const KEY = ed25519FromSeed(Buffer.alloc(32, 42));

describe("the first-boot host key installer (infra/host/install-host-key)", () => {
  let dir: string;
  let sshDir: string;
  const run = (awsFailures: number, value = KEY.privateKeyOpenssh) => {
    writeFileSync(path.join(dir, "value"), value);
    const result = spawnSync("bash", [INSTALL_HOST_KEY_SOURCE, PARAMETER, "eu-west-1"], {
      encoding: "utf8",
      env: {
        ...process.env,
        PATH: `${dir}/bin:${process.env.PATH}`,
        FAILURES: String(awsFailures),
        LOG: dir,
        BERTH_SSH_DIR: sshDir,
      },
    });
    const calls = readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n");
    return { ...result, calls };
  };
  const stub = (name: string, body: string) => {
    writeFileSync(path.join(dir, "bin", name), `#!/usr/bin/env bash\n${body}\n`);
    chmodSync(path.join(dir, "bin", name), 0o755);
  };

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "berth-install-host-key-"));
    sshDir = path.join(dir, "etc-ssh");
    mkdirSync(path.join(sshDir, "sshd_config.d"), { recursive: true });
    mkdirSync(path.join(dir, "bin"));
    // The keys the image made itself at boot: none of them may be offered afterwards.
    for (const file of ["ssh_host_rsa_key", "ssh_host_ecdsa_key", "ssh_host_ed25519_key"]) {
      writeFileSync(path.join(sshDir, file), "old");
      writeFileSync(path.join(sshDir, `${file}.pub`), "old");
    }
    writeFileSync(path.join(dir, "calls"), "");
    stub(
      "aws",
      [
        'echo "aws $*" >>"$LOG/calls"',
        'n=$(grep -c "^aws" "$LOG/calls")',
        '[ "$n" -gt "$FAILURES" ] || { echo "Unable to locate credentials" >&2; exit 253; }',
        'cat "$LOG/value"',
      ].join("\n"),
    );
    stub("systemctl", 'echo "systemctl $*" >>"$LOG/calls"');
    stub("sshd", 'echo "sshd $*" >>"$LOG/calls"');
    stub("sleep", 'echo "sleep $*" >>"$LOG/calls"');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("installs the parameter's key as sshd's only host key, checks the config, then restarts sshd", () => {
    const result = run(0);
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(result.calls, [
      `aws ssm get-parameter --region eu-west-1 --name ${PARAMETER} --with-decryption --query Parameter.Value --output text`,
      "sshd -t",
      "systemctl restart sshd.service",
    ]);
    const key = path.join(sshDir, "ssh_host_ed25519_key");
    assert.equal(readFileSync(key, "utf8"), KEY.privateKeyOpenssh);
    assert.equal(statSync(key).mode & 0o777, 0o600);
    assert.equal(readFileSync(`${key}.pub`, "utf8").trim(), KEY.publicKeyOpenssh);
    for (const gone of ["ssh_host_rsa_key", "ssh_host_ecdsa_key", "ssh_host_rsa_key.pub"])
      assert.equal(existsSync(path.join(sshDir, gone)), false, `${gone} is still there`);
    assert.equal(
      readFileSync(path.join(sshDir, "sshd_config.d", "01-berth-host-key.conf"), "utf8"),
      `HostKey ${key}\nHostKeyAlgorithms ssh-ed25519\n`,
    );
    assert.match(result.stdout, /sshd now proves 256 SHA256:\S+/);
  });

  it("retries while the role's credentials or the route out settle", () => {
    const result = run(3);
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(
      result.calls.filter((c) => c.startsWith("sleep")),
      ["sleep 5", "sleep 10", "sleep 15"],
    );
    assert.match(result.stderr, /reading \S+ failed \(attempt 3 of 10\); retrying in 15 s/);
  });

  it("gives up with a clear line and leaves sshd alone when the parameter cannot be read", () => {
    const result = run(99);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /could not read the host key parameter \S+ after 10 attempts\n$/);
    assert.equal(result.calls.filter((c) => c.startsWith("systemctl")).length, 0);
    assert.equal(readFileSync(path.join(sshDir, "ssh_host_ed25519_key"), "utf8"), "old");
  });

  it("refuses a value that is not a private key, before touching sshd's keys", () => {
    const result = run(0, "not a key\n");
    assert.notEqual(result.status, 0);
    assert.equal(result.calls.filter((c) => c.startsWith("systemctl")).length, 0);
    assert.equal(readFileSync(path.join(sshDir, "ssh_host_ed25519_key"), "utf8"), "old");
    assert.deepEqual(
      readFileSync(path.join(sshDir, "ssh_host_rsa_key"), "utf8"),
      "old",
      "nothing removed",
    );
  });
});
