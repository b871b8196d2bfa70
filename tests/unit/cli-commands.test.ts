import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  renderExecCommand,
  renderLogsCommand,
  renderRunCommand,
} from "../../cli/src/remote-commands";

/**
 * The host commands are run here by a real bash, with `sudo` and `docker` replaced by scripts that
 * record their argv: what a host would execute, quoting included.
 */
function fakeHost(dockerScript: string): { dir: string; run(command: string): string } {
  const dir = mkdtempSync(join(tmpdir(), "berth-cli-"));
  const bin = join(dir, "bin");
  mkdirSync(bin);
  writeFileSync(join(bin, "sudo"), '#!/usr/bin/env bash\n[ "$1" = -n ] && shift\nexec "$@"\n');
  writeFileSync(join(bin, "docker"), `#!/usr/bin/env bash\n${dockerScript}\n`);
  for (const f of ["sudo", "docker"]) chmodSync(join(bin, f), 0o755);
  return {
    dir,
    run(command: string) {
      const r = spawnSync("bash", ["-c", command], {
        encoding: "utf8",
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
      });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    },
  };
}

describe("cli: logs command builder", () => {
  const request = {
    app: "shop",
    stack: "prod",
    processes: ["app", "nginx"] as ("app" | "nginx")[],
    tail: 50,
    follow: false,
  };

  it("prints every running container of the chosen processes, line by line with its name", () => {
    const host = fakeHost(
      [
        'if [ "$1" = ps ]; then',
        '  case "$*" in *berth.app=shop*berth.stack=prod*berth.role=web*) echo shop-prod-web-aaa ;;',
        "    *berth.role=proxy*) echo shop-prod-proxy ;; esac",
        'elif [ "$1" = logs ]; then echo "args: ${*:2}"; echo second line; fi',
      ].join("\n"),
    );
    try {
      const lines = host.run(renderLogsCommand(request)).trim().split("\n").sort();
      assert.deepEqual(lines, [
        "shop-prod-proxy args: --timestamps --tail 50 shop-prod-proxy",
        "shop-prod-proxy second line",
        "shop-prod-web-aaa args: --timestamps --tail 50 shop-prod-web-aaa",
        "shop-prod-web-aaa second line",
      ]);
    } finally {
      rmSync(host.dir, { recursive: true, force: true });
    }
  });

  it("maps app/worker/nginx to the agent's web/worker/proxy roles", () => {
    const command = renderLogsCommand({ ...request, processes: ["worker"] });
    assert.match(command, /for role in worker; do/);
    assert.match(renderLogsCommand(request), /for role in web proxy; do/);
  });

  it("follows and limits by time when asked", () => {
    const command = renderLogsCommand({ ...request, follow: true, since: "10m" });
    assert.match(command, /docker logs --timestamps --tail 50 --follow --since 10m "\$name"/);
  });

  it("rejects bad input with the flag and the fix", () => {
    assert.throws(() => renderLogsCommand({ ...request, processes: [] }), /at least one process/);
    assert.throws(
      () => renderLogsCommand({ ...request, tail: -1 }),
      /--tail must be a whole number/,
    );
    assert.throws(
      () => renderLogsCommand({ ...request, since: "$(reboot)" }),
      /--since must be a duration like 10m.*got "\$\(reboot\)"/,
    );
  });
});

describe("cli: run command builder", () => {
  function stateRootWithRelease(dir: string): string {
    const root = join(dir, "state");
    mkdirSync(join(root, "shop-prod", "releases", "r1"), { recursive: true });
    writeFileSync(join(root, "shop-prod", "current"), "r1\n");
    writeFileSync(
      join(root, "shop-prod", "releases", "r1", "spec.json"),
      JSON.stringify({ image: `reg/shop@sha256:${"a".repeat(64)}` }),
    );
    writeFileSync(join(root, "shop-prod", "releases", "r1", "env"), "SECRET=x\n");
    return root;
  }

  it("starts a removed-on-exit container of the running release with its env and network", () => {
    const host = fakeHost('printf "%s\\n" "$@"');
    try {
      const stateRoot = stateRootWithRelease(host.dir);
      const argv = host
        .run(
          renderRunCommand({
            app: "shop",
            stack: "prod",
            argv: ["node", "-e", "console.log('it''s $(not) expanded')"],
            interactive: false,
            stateRoot,
          }),
        )
        .trimEnd()
        .split("\n");
      const image = argv.indexOf(`reg/shop@sha256:${"a".repeat(64)}`);
      assert.deepEqual(argv.slice(0, 3), ["run", "--rm", "-i"]);
      assert.equal(argv[argv.indexOf("--network") + 1], "berth-shop-prod");
      assert.equal(
        argv[argv.indexOf("--env-file") + 1],
        join(stateRoot, "shop-prod", "releases", "r1", "env"),
      );
      assert.ok(argv.includes("berth.role=run"));
      assert.ok(argv.includes("berth.release=r1"));
      assert.deepEqual(argv.slice(image + 1), [
        "node",
        "-e",
        "console.log('it''s $(not) expanded')",
      ]);
    } finally {
      rmSync(host.dir, { recursive: true, force: true });
    }
  });

  it("asks docker for a terminal only when interactive", () => {
    const tty = renderRunCommand({ app: "shop", stack: "prod", argv: ["sh"], interactive: true });
    assert.match(tty, /docker run --rm -i -t/);
  });

  it("says so when no release runs on the host", () => {
    const host = fakeHost("exit 0");
    try {
      const r = spawnSync(
        "bash",
        [
          "-c",
          renderRunCommand({
            app: "shop",
            stack: "prod",
            argv: ["true"],
            interactive: false,
            stateRoot: join(host.dir, "empty"),
          }),
        ],
        {
          encoding: "utf8",
          env: { ...process.env, PATH: `${join(host.dir, "bin")}:${process.env.PATH}` },
        },
      );
      assert.equal(r.status, 1);
      assert.match(r.stderr, /no release is running here for shop\/prod/);
    } finally {
      rmSync(host.dir, { recursive: true, force: true });
    }
  });

  it("exec: runs in the current release's running container of the role, never a new one", () => {
    // docker ps answers with the filters it was given, so the test sees what was asked.
    const host = fakeHost(
      'if [ "$1" = ps ]; then echo "shop-prod-web-r1"; printf "%s\\n" "$@" >"$(dirname "$0")/../ps-args"; else printf "%s\\n" "$@"; fi',
    );
    try {
      const stateRoot = stateRootWithRelease(host.dir);
      const argv = host
        .run(
          renderExecCommand({
            app: "shop",
            stack: "prod",
            argv: ["node", "-e", "console.log('$(not) expanded')"],
            interactive: false,
            role: "web",
            stateRoot,
          }),
        )
        .trimEnd()
        .split("\n");
      assert.deepEqual(argv, [
        "exec",
        "-i",
        "shop-prod-web-r1",
        "node",
        "-e",
        "console.log('$(not) expanded')",
      ]);
      const ps = readFileSync(join(host.dir, "ps-args"), "utf8");
      for (const filter of [
        "label=berth.app=shop",
        "label=berth.stack=prod",
        "label=berth.role=web",
        "label=berth.release=r1",
      ])
        assert.ok(ps.split("\n").includes(filter), `docker ps without ${filter}: ${ps}`);
    } finally {
      rmSync(host.dir, { recursive: true, force: true });
    }
  });

  it("exec: says so when the release has no running container of that role", () => {
    const host = fakeHost('[ "$1" = ps ] && exit 0; echo "unexpected docker $*" >&2; exit 3');
    try {
      const r = spawnSync(
        "bash",
        [
          "-c",
          renderExecCommand({
            app: "shop",
            stack: "prod",
            argv: ["true"],
            interactive: false,
            role: "worker",
            stateRoot: stateRootWithRelease(host.dir),
          }),
        ],
        {
          encoding: "utf8",
          env: { ...process.env, PATH: `${join(host.dir, "bin")}:${process.env.PATH}` },
        },
      );
      assert.equal(r.status, 1);
      assert.match(r.stderr, /no running worker container of release r1 here for shop\/prod/);
    } finally {
      rmSync(host.dir, { recursive: true, force: true });
    }
  });

  it("needs a command", () => {
    assert.throws(
      () => renderRunCommand({ app: "shop", stack: "prod", argv: [], interactive: false }),
      /give the command to run/,
    );
  });

  it("refuses an app or stack name that could break out of the root shell script", () => {
    for (const app of ['shop"; rm -rf / #', "shop$(id)", "Shop", "s"])
      assert.throws(
        () => renderRunCommand({ app, stack: "prod", argv: ["true"], interactive: false }),
        /berth:app ".*" must be 2-20 lowercase letters/,
        app,
      );
    assert.throws(
      () =>
        renderLogsCommand({
          app: "shop",
          stack: "prod;reboot",
          processes: ["app"],
          tail: 10,
          follow: false,
        }),
      /stack "prod;reboot" must be 1-40 lowercase letters/,
    );
  });
});
