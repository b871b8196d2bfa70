/**
 * The local fleet's command line: `up`, `deploy`, `status`, `down`, and `start` (all of them, for
 * `npm start`). Run with ts-node: `node -r ts-node/register/transpile-only fleet/src/cli.ts start`.
 */
import { Command } from "commander";
import * as fs from "node:fs";
import * as path from "node:path";
import { progress } from "./exec";
import { Fleet, fleetDown, fleetUp, registryLogin } from "./fleet";
import { buildProjectImages, pushImage } from "./images";
import { rollout, statusAll } from "./rollout";
import { renderStatusTable } from "./status-table";
import { REPO_ROOT, fleetSettings } from "./settings";
import { localReleaseSpec } from "./spec";

function settingsFrom(options: { hosts?: string; port?: string; prefix?: string }) {
  const file = path.join(REPO_ROOT, ".berth", "fleet.json");
  const saved = fs.existsSync(file)
    ? (JSON.parse(fs.readFileSync(file, "utf8")) as { hosts?: number })
    : {};
  const hostCount = options.hosts ? Number(options.hosts) : (saved.hosts ?? 2);
  const settings = fleetSettings({
    prefix: options.prefix,
    hostCount,
    lbPort: options.port ? Number(options.port) : undefined,
  });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ hosts: hostCount }) + "\n");
  return settings;
}

async function deploy(fleet: Fleet) {
  const local = await buildProjectImages();
  const images = {
    app: await pushImage(fleet, local.app, "berth/app"),
    proxy: await pushImage(fleet, local.proxy, "berth/nginx"),
  };
  const spec = localReleaseSpec(images);
  const result = await rollout(fleet.hosts, spec, registryLogin(fleet), {
    batchSize: fleet.settings.batchSize,
  });
  if (!result.ok) throw new Error(result.error ?? "rollout failed");
  progress(`rollout of ${images.app} finished in ${(result.ms / 1000).toFixed(1)}s`);
}

async function printStatus(fleet: Fleet) {
  const spec = localReleaseSpec({ app: "", proxy: "" });
  const statuses = await statusAll(fleet.hosts, spec.app, spec.stack);
  process.stdout.write(`\n${renderStatusTable(statuses)}\n\nberth is serving at ${fleet.url}\n`);
}

const program = new Command("fleet").description("berth's local fleet");
const common = (cmd: Command) =>
  cmd
    .option("--hosts <n>", "number of simulated hosts (default 2, remembered)")
    .option("--port <port>", "load balancer port on 127.0.0.1 (default 8800)")
    .option("--prefix <prefix>", "name prefix of the fleet's containers (default berth-fleet)");

common(program.command("up").description("bring the fleet up (idempotent)")).action(async (o) => {
  await fleetUp(settingsFrom(o));
});
common(program.command("deploy").description("build, push and roll the app out")).action(
  async (o) => {
    const fleet = await fleetUp(settingsFrom(o));
    await deploy(fleet);
    await printStatus(fleet);
  },
);
common(program.command("start").description("up + deploy + status (npm start)")).action(
  async (o) => {
    const fleet = await fleetUp(settingsFrom(o));
    await deploy(fleet);
    await printStatus(fleet);
  },
);
common(program.command("status").description("each host's running release")).action(async (o) => {
  await printStatus(await fleetUp(settingsFrom(o)));
});
common(program.command("down").description("remove the fleet (idempotent)")).action(async (o) => {
  await fleetDown(settingsFrom(o));
});

program.parseAsync().catch((err: Error) => {
  process.stderr.write(`berth fleet: ${err.message}\n`);
  process.exit(1);
});
