import assert from "node:assert/strict";
import { sshArgv } from "../../cli/src/ssh";

const host = { name: "host-1", address: "10.0.1.5", port: 22, user: "ec2-user" };

describe("cli: ssh argv", () => {
  it("checks host keys against berth's own known_hosts and never prompts", () => {
    const argv = sshArgv(
      host,
      { knownHostsFile: "/k", strictHostKeyChecking: "yes", identityFile: "/id" },
      "uptime",
    );
    assert.equal(argv[0], "ssh");
    assert.ok(argv.includes("BatchMode=yes"));
    assert.ok(argv.includes("UserKnownHostsFile=/k"));
    assert.ok(argv.includes("StrictHostKeyChecking=yes"));
    assert.deepEqual(argv.slice(argv.indexOf("-i"), argv.indexOf("-i") + 2), ["-i", "/id"]);
    assert.deepEqual(argv.slice(-4), ["-T", "ec2-user@10.0.1.5", "--", "uptime"]);
  });

  it("opens a terminal for an interactive shell, with no remote command", () => {
    const argv = sshArgv(
      host,
      { knownHostsFile: "/k", strictHostKeyChecking: "accept-new" },
      undefined,
      { tty: true },
    );
    assert.deepEqual(argv.slice(-2), ["-t", "ec2-user@10.0.1.5"]);
    assert.equal(argv.includes("-i"), false, "no key given: the operator's ssh-agent decides");
  });

  it("crosses a bastion with the same key and host-key checks", () => {
    const argv = sshArgv(
      host,
      {
        knownHostsFile: "/k",
        strictHostKeyChecking: "accept-new",
        identityFile: "/my key",
        bastion: { name: "bastion", address: "203.0.113.7", port: 22, user: "ec2-user" },
      },
      "uptime",
    );
    const proxy = argv.find((a) => a.startsWith("ProxyCommand="));
    assert.ok(proxy, "a ProxyCommand");
    assert.match(
      proxy,
      /^ProxyCommand=ssh .*UserKnownHostsFile=\/k.*-i '\/my key'.* -W %h:%p ec2-user@203\.0\.113\.7$/,
    );
    assert.equal(argv.includes("-J"), false);
  });
});
