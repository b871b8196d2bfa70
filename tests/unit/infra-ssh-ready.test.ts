/**
 * Under mocks, for both stacks: every host's agent install and deploy wait on its SshReady login
 * (components/sshReady.ts), which pins the same host key (and bastion key) as the commands, keeps
 * the private key a secret, and re-runs on every deploy of its host.
 */
import assert from "node:assert/strict";
import { RegisteredResource, runStackOnce } from "../support/pulumi/runProgram";

const READY = "pulumi-nodejs:dynamic:SshReady";
const REMOTE = "command:remote:Command";

const ofHost = (resources: RegisteredResource[], pattern: RegExp) => {
  const found = resources.find((r) => pattern.test(r.name));
  assert.ok(found, `no resource matching ${pattern}`);
  return found;
};

for (const stack of ["staging", "prod"] as const) {
  describe(`SshReady (${stack}): no command dials a host before the deployer's login is proven`, () => {
    it("each host's install and deploy depend on its login, which pins the commands' keys", async () => {
      const run = await runStackOnce(stack);
      const readies = run.ofType(READY);
      const remotes = run.ofType(REMOTE);
      assert.ok(readies.length >= 1);
      for (const ready of readies) {
        const host = /-(host-\d+)-ssh$/.exec(ready.name)?.[1];
        assert.ok(host, `unexpected SshReady name ${ready.name}`);
        const install = ofHost(remotes, new RegExp(`-${host}-agent$`));
        const deploy = ofHost(remotes, new RegExp(`-${host}$`));
        for (const command of [install, deploy])
          assert.ok(
            command.dependencies.includes(ready.urn),
            `${command.name} does not wait on ${ready.name}`,
          );
        const inputs = ready.inputs as {
          host: { name: string; address: string; port: number; user: string; hostKey: string };
          bastion?: { address: string; hostKey: string };
          privateKey: string;
          deployTriggers: string;
        };
        const connection = deploy.inputs.connection as {
          host: string;
          hostKey: string;
          user: string;
          proxy?: { host: string; hostKey: string };
        };
        assert.equal(inputs.host.name, host);
        assert.equal(inputs.host.address, connection.host);
        assert.equal(inputs.host.hostKey, connection.hostKey);
        assert.equal(inputs.host.user, connection.user);
        assert.equal(inputs.host.port, 22);
        assert.match(inputs.host.hostKey, /^ssh-ed25519 [A-Za-z0-9+/]+=*$/);
        if (stack === "prod") {
          assert.ok(
            connection.proxy && inputs.bastion,
            "prod reaches its hosts through the bastion",
          );
          assert.equal(inputs.bastion.address, connection.proxy.host);
          assert.equal(inputs.bastion.hostKey, connection.proxy.hostKey);
        } else assert.equal(inputs.bastion, undefined);
        assert.match(inputs.privateKey, /PRIVATE KEY/);
        assert.ok(
          ready.secretInputPaths.includes("privateKey"),
          "the private key must stay secret",
        );
        assert.equal(
          inputs.deployTriggers,
          JSON.stringify(deploy.inputs.triggers),
          "the login must re-run whenever the host's deploy does",
        );
      }
    });
  });
}
