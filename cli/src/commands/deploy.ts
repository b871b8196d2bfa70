import { join } from "node:path";
import { Command, Option } from "commander";
import { RegistryLogin, digest12 } from "../../../infra/src/agent/contract";
import { readAgentScript } from "../../../infra/src/files";
import { planRollout } from "../../../infra/src/rollout/plan";
import { buildProjectImages, pushImage } from "../../../fleet/src/images";
import {
  connectLocalFleet,
  localConfigHashKey,
  localReleaseSpec,
  localSettings,
  localTarget,
} from "../local";
import { CliError } from "../pulumi";
import { executePlan } from "../rollout";
import { describeIdentity, sshRunner, waitForSsh } from "../ssh";
import { switchBackAfterFailedUp } from "../switch-back";
import { LOCAL_STACK, assertKnownStack } from "../targets";
import { CommandContext } from "./context";

/**
 * `berth deploy -s local` builds the app and nginx images, pushes them to the fleet's registry and
 * runs the rollout plan over SSH; `berth deploy -s <aws stack>` is `pulumi up`, whose `Release`
 * runs the same plan through `remote.Command`s. When that up fails, the hosts it moved to the new
 * release are switched back (cli/src/switch-back.ts).
 */
export function registerDeploy(program: Command, context: CommandContext): void {
  const { deps, result, stackOption } = context;
  program
    .command("deploy")
    .description(
      "build, push and roll the app out, host batch after host batch (AWS stacks: pulumi up)",
    )
    .addOption(stackOption())
    .addOption(
      new Option("--batch-size <n>", "local fleet: hosts per batch (default 1)").argParser((v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1)
          throw new CliError(`--batch-size must be a whole number of at least 1 (got "${v}")`, 2);
        return v;
      }),
    )
    .action(async (opts: { stack: string; batchSize?: string }) => {
      if (opts.stack !== LOCAL_STACK) {
        // Only the stack's config file must exist: a first deploy has no outputs (hosts) yet.
        assertKnownStack(opts.stack, deps.root);
        if (opts.batchSize !== undefined)
          throw new CliError(
            `--batch-size applies to the local fleet; stack ${opts.stack} takes berth:release.batchSize from Pulumi.${opts.stack}.yaml`,
            2,
          );
        const upStartedAt = new Date().toISOString();
        result.exitCode = await deps.interactive([
          "pulumi",
          "up",
          "--stack",
          opts.stack,
          "--policy-pack",
          join(deps.root, "policy"),
        ]);
        if (result.exitCode !== 0)
          await switchBackAfterUp(context, opts.stack, upStartedAt, result.exitCode);
        return;
      }
      // One look at the fleet serves both the hosts and the registry.
      const settings = localSettings(program.opts<{ fleetPrefix?: string }>().fleetPrefix);
      const fleet = connectLocalFleet(settings);
      const t = localTarget({ fleet });
      const local = await buildProjectImages();
      const images = {
        app: await pushImage(fleet, local.app, "berth/app"),
        proxy: await pushImage(fleet, local.proxy, "berth/nginx"),
      };
      // The fleet's hosts sign in to the registry with their credential helper, as EC2 hosts do
      // to ECR with theirs: no password travels with the deploy.
      const registry: RegistryLogin = { server: fleet.registryServer, method: "helper" };
      const spec = localReleaseSpec(images, {}, settings.healthPath, fleet.database?.url);
      const plan = planRollout({
        hosts: t.hosts.map((h) => h.name),
        spec,
        registry,
        agent: readAgentScript(),
        batchSize: Number(opts.batchSize ?? "1"),
        configHashKey: localConfigHashKey(settings),
      });
      const run = sshRunner(t.access, deps.capture);
      const key = describeIdentity(t.access);
      await Promise.all(t.hosts.map((host) => waitForSsh(host, run, { key })));
      deps.err(`deploying ${digest12(spec.image)} to ${t.hosts.length} host(s)`);
      const rollout = await executePlan(plan, t.hosts, run, { progress: deps.err });
      if (!rollout.ok) throw new CliError(rollout.error ?? "the rollout failed");
      const changed = rollout.results.filter((r) => r.summary?.outcome !== "unchanged");
      const hosts = t.hosts.map((h) => h.name).join(", ");
      deps.out(
        changed.length === 0
          ? `nothing to change: ${hosts} already run ${digest12(spec.image)} with this config; serving at ${t.url}`
          : `released ${digest12(spec.image)} to ${hosts} in ${(rollout.ms / 1000).toFixed(1)}s; serving at ${t.url}`,
      );
    });
}

/**
 * After a failed `pulumi up`: the hosts that took the release before the failure go back, so the
 * fleet runs one release. Reports, never throws: the up's own exit code stands.
 */
async function switchBackAfterUp(
  { deps, target }: CommandContext,
  stack: string,
  upStartedAt: string,
  exitCode: number,
): Promise<void> {
  deps.err(
    `berth: pulumi up failed (exit ${exitCode}); looking for hosts that took the release before the failure`,
  );
  try {
    const after = await switchBackAfterFailedUp(target(stack), upStartedAt, deps.capture, deps.err);
    deps.err(`berth: ${after.message}`);
  } catch (error) {
    deps.err(
      `berth: the switch-back after the failed up stopped: ${(error as Error).message}; see what each host runs with berth status -s ${stack}`,
    );
  }
}
