/**
 * The local fleet's command line: `up` and `down`, nothing else. The fleet stands the topology up
 * (network, hosts, registry, load balancer); deploy, status, rollback, logs and exec go through
 * the operator CLI (`npm run berth -- <command> -s local`), exactly as for an AWS stack.
 * Run with ts-node: `node -r ts-node/register/transpile-only fleet/src/cli.ts up`.
 */
import { Command } from "commander";
import { fleetDown, fleetUp } from "./fleet";
import { rememberedSettings } from "./settings";

const program = new Command("fleet").description("berth's local fleet: the topology only");
const common = (cmd: Command) =>
  cmd
    .option("--hosts <n>", "number of simulated hosts (default 2, remembered)")
    .option("--port <port>", "load balancer port on 127.0.0.1 (default 8800)")
    .option("--prefix <prefix>", "name prefix of the fleet's containers (default berth-fleet)");

common(program.command("up").description("bring the fleet up (idempotent)")).action(async (o) => {
  const fleet = await fleetUp(rememberedSettings(o));
  process.stdout.write(`${fleet.url}\n`);
});
common(program.command("down").description("remove the fleet (idempotent)")).action(async (o) => {
  await fleetDown(rememberedSettings(o));
});

program.parseAsync().catch((err: Error) => {
  process.stderr.write(`berth fleet: ${err.message}\n`);
  process.exit(1);
});
