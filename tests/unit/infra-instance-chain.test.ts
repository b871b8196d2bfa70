/**
 * An instance-type change stops and starts each instance. The hosts change one after another, and
 * each one only after the one before it serves again: its target healthy behind the ALB after its
 * release. Under the real engine a resource changes only after everything it depends on; these
 * tests check those dependencies (and that the wait is a resource of its own, re-run whenever the
 * host or its release changes).
 */
import assert from "node:assert/strict";
import {
  ProgramRun,
  RegisteredResource,
  runProgram,
  runStackOnce,
} from "../support/pulumi/runProgram";

const INSTANCE = "aws:ec2/instance:Instance";
const HEALTHY = "pulumi-nodejs:dynamic:HealthyTarget";

const byName = (run: ProgramRun, type: string, pattern: RegExp) =>
  run.ofType(type).filter((r) => pattern.test(r.name));
const named = (resources: RegisteredResource[], suffix: string) => {
  const found = resources.find((r) => r.name.endsWith(suffix));
  assert.ok(found, `no resource named *${suffix}`);
  return found;
};

const stacks: Record<string, () => Promise<ProgramRun>> = {
  prod: () => runStackOnce("prod"),
  // staging runs one host; with three, its public layout and batches of two.
  "staging, 3 hosts in batches of 2": () =>
    runProgram({
      stack: "staging",
      configOverrides: {
        "berth:hosts": { count: 3, instanceType: "t3.small", rootVolumeGiB: 20 },
        "berth:release": { batchSize: 2 },
      },
    }),
};

for (const [stack, runStack] of Object.entries(stacks)) {
  describe(`the instance chain (${stack}): a host changes only once the one before serves`, () => {
    it("host-N+1's instance depends on host-N's healthy target, which depends on host-N's release, attachment and instance", async () => {
      const run = await runStack();
      const instances = byName(run, INSTANCE, /-hosts-host-\d+$/);
      const waits = run.ofType(HEALTHY);
      assert.ok(instances.length >= 2, `${stack} has ${instances.length} hosts`);
      assert.equal(waits.length, instances.length, "one healthy-target wait per host");
      for (let n = 1; n < instances.length; n++) {
        const wait = named(waits, `-host-${n}-healthy`);
        const next = named(instances, `-hosts-host-${n + 1}`);
        assert.ok(
          next.dependencies.includes(wait.urn),
          `host-${n + 1}'s instance may change before host-${n}'s target is healthy`,
        );
        const deploy = named(run.ofType("command:remote:Command"), `-release-host-${n}`);
        const attachment = named(
          run.ofType("aws:lb/targetGroupAttachment:TargetGroupAttachment"),
          `-host-${n}`,
        );
        const instance = named(instances, `-hosts-host-${n}`);
        for (const before of [deploy, attachment, instance])
          assert.ok(
            wait.dependencies.includes(before.urn),
            `host-${n}'s wait does not follow ${before.type} ${before.name}`,
          );
      }
    });

    it("the wait re-runs when the host's instance type, instance or release changes", async () => {
      const run = await runStack();
      const wait = named(run.ofType(HEALTHY), "-host-1-healthy");
      const inputs = wait.inputs as Record<string, unknown>;
      for (const key of ["targetGroupArn", "instanceId", "instanceType", "release", "region"])
        assert.ok(inputs[key], `the wait has no ${key}`);
      assert.equal(inputs.port, 80);
    });
  });
}
