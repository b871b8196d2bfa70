/**
 * The app containers' log driver comes from the release spec (berth:appLogs on AWS): with
 * `logging.driver: awslogs` the agent starts the web container and the workers with docker's
 * awslogs driver, their own group each and a stream per host and container, in non-blocking mode;
 * without `logging`, the host's default (the fleet's daemon: json-file). The fleet has no
 * CloudWatch to receive the lines: in non-blocking mode docker starts the containers anyway, and
 * `docker logs` (what `berth logs --ssh` reads) still answers from docker's local copy.
 */
import * as assert from "node:assert/strict";
import { ContainerLogging } from "../../infra/src/agent/contract";
import { appLogGroupName } from "../../infra/src/appLogs";
import { APP, STACK, deploy, newRelease, onHost, specFor } from "./support/fleet";

const AWSLOGS: ContainerLogging = {
  driver: "awslogs",
  region: "eu-west-1",
  groups: {
    web: appLogGroupName(APP, STACK, "web"),
    worker: appLogGroupName(APP, STACK, "worker"),
    release: appLogGroupName(APP, STACK, "release"),
  },
};

/** `role Type {options}` for each running container of the app on host-1. */
async function logConfigs(): Promise<
  Record<string, { type: string; config: Record<string, string> }>
> {
  const r = await onHost(
    0,
    `sudo -n sh -c 'for c in $(docker ps -q --filter label=berth.app=${APP}); do docker inspect -f "{{index .Config.Labels \\"berth.role\\"}} {{.HostConfig.LogConfig.Type}} {{json .HostConfig.LogConfig.Config}}" $c; done'`,
  );
  assert.equal(r.code, 0, r.stderr);
  const byRole: Record<string, { type: string; config: Record<string, string> }> = {};
  for (const line of r.stdout.trim().split("\n")) {
    const [role, type, ...json] = line.split(" ");
    byRole[role!] = { type: type!, config: JSON.parse(json.join(" ")) as Record<string, string> };
  }
  return byRole;
}

describe("fleet: the app containers' log driver comes from the release spec", () => {
  it("awslogs from the spec: each process type its group, a stream per host and container; docker logs still answers", async () => {
    const image = await newRelease("awslogs");
    const result = await deploy(specFor(image, { logging: AWSLOGS }));
    assert.equal(result.ok, true, result.error ?? "");
    const configs = await logConfigs();
    for (const role of ["web", "worker"] as const) {
      const c = configs[role];
      assert.ok(c, `no running ${role} container: ${JSON.stringify(configs)}`);
      assert.equal(c.type, "awslogs", role);
      assert.equal(c.config["awslogs-group"], AWSLOGS.groups[role]);
      assert.equal(c.config["awslogs-region"], "eu-west-1");
      assert.equal(c.config.mode, "non-blocking");
      assert.match(c.config["awslogs-stream"] ?? "", new RegExp(`/${APP}-${STACK}-${role}-`));
    }
    // The proxy is not the app's: its lines stay with the host's default driver.
    assert.equal(configs.proxy?.type, "json-file");
    const logs = await onHost(
      0,
      `sudo -n sh -c 'docker logs --tail 5 $(docker ps -q --filter label=berth.app=${APP} --filter label=berth.role=web) 2>&1'`,
    );
    assert.ok(logs.stdout.trim().length > 0, "docker logs has nothing from an awslogs container");
  });

  it("no logging in the spec: the host's default driver (json-file on the fleet)", async () => {
    const image = await newRelease("json-file");
    const result = await deploy(specFor(image));
    assert.equal(result.ok, true, result.error ?? "");
    const configs = await logConfigs();
    for (const role of ["web", "worker", "proxy"])
      assert.equal(configs[role]?.type, "json-file", role);
  });
});
