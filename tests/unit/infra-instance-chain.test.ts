/**
 * An instance-type change stops and starts each instance. The hosts change one after another, and
 * each one only after the one before it serves again: its target healthy behind the ALB. Under
 * the real engine a resource changes only after everything it depends on; these tests check
 * those dependencies (and that the wait is a resource of its own, re-run whenever the host's
 * instance changes, and that releases of one batch still roll together).
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
    it("host-N+1's instance depends on host-N's healthy target, which follows host-N's instance, attachment and listeners", async () => {
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
        const attachment = named(
          run.ofType("aws:lb/targetGroupAttachment:TargetGroupAttachment"),
          `-host-${n}`,
        );
        const instance = named(instances, `-hosts-host-${n}`);
        const listeners = run.ofType("aws:lb/listener:Listener");
        assert.ok(listeners.length > 0);
        for (const before of [attachment, instance, ...listeners])
          assert.ok(
            wait.dependencies.includes(before.urn),
            `host-${n}'s wait does not follow ${before.type} ${before.name}`,
          );
      }
    });

    it("the wait re-runs when the host's instance or its type changes", async () => {
      const run = await runStack();
      const wait = named(run.ofType(HEALTHY), "-host-1-healthy");
      const inputs = wait.inputs as Record<string, unknown>;
      for (const key of ["targetGroupArn", "instanceId", "instanceType", "region"])
        assert.ok(inputs[key], `the wait has no ${key}`);
      assert.equal(inputs.port, 80);
    });

    it("a release waits on no other host's release of its batch (batches roll together)", async () => {
      const run = await runStack();
      const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
      const dependsOnTransitively = (from: RegisteredResource, to: string) => {
        const seen = new Set<string>();
        const stack = [...from.dependencies];
        while (stack.length > 0) {
          const urn = stack.pop() as string;
          if (urn === to) return true;
          if (seen.has(urn)) continue;
          seen.add(urn);
          stack.push(...(byUrn.get(urn)?.dependencies ?? []));
        }
        return false;
      };
      const deploys = run
        .ofType("command:remote:Command")
        .filter((c) => !c.name.endsWith("-agent"));
      const hostOf = (name: string) => /host-\d+$/.exec(name)?.[0];
      // prod rolls one host at a time; staging here in batches of two: host-1 and host-2 together.
      const together = stack === "prod" ? [] : [["host-1", "host-2"]];
      for (const [a, b] of together) {
        const first = deploys.find((d) => hostOf(d.name) === a) as RegisteredResource;
        const second = deploys.find((d) => hostOf(d.name) === b) as RegisteredResource;
        assert.ok(first && second);
        assert.ok(!dependsOnTransitively(second, first.urn), `${b}'s release waits for ${a}'s`);
      }
    });
  });
}
