import { dynoMemoryMb, instanceTypeFor, isDedicatedDyno } from "./dynos";
import { HerokuInputs, ImportPlan } from "./plan";
import { processArgv } from "./process-command";
import { ProcessType } from "./procfile";

const CLOCK_TYPES = /^(clock|scheduler|cron|beat)$/;
const MAX_HOSTS = 50;
const MAX_WORKERS_PER_HOST = 20;

/** Procfile process types onto berth's web, worker and release commands. */
export function mapProcesses({ processes, files }: HerokuInputs, plan: ImportPlan): void {
  if (processes === undefined) {
    plan.notes.push("no Procfile: berth:web, berth:worker and berth:release.command are unchanged");
    return;
  }
  const procfile = files.procfile ?? "Procfile";
  const byName = new Map(processes.map((p) => [p.name, p]));
  const command = (type: ProcessType) => {
    const { argv, shell } = processArgv(type.command);
    if (shell) plan.notes.push(`${procfile}:${type.line} ${type.name}: ${shell}`);
    return argv;
  };

  const web = byName.get("web");
  if (web) plan.settings.webCommand = command(web);
  else
    plan.cannotMap.push({
      what: `${procfile}: no web process type`,
      why: "berth always runs a web container behind the load balancer",
      instead:
        "add a web process to the Procfile, or leave berth:web.command unset to run the image's CMD",
    });
  const release = byName.get("release");
  plan.settings.releaseCommand = release ? command(release) : null;
  const worker = byName.get("worker");
  plan.settings.worker = worker ? { command: command(worker), count: 1 } : { count: 0 };
  if (web)
    plan.cannotMap.push({
      what: "web health check",
      why: "Heroku routes to a dyno once it listens on $PORT; berth switches a host to a new release only when GET berth:web.healthPath (default /healthz) answers 2xx and the smoke paths (berth:release.smokePaths, default /) answer 2xx or 3xx",
      instead:
        "add a /healthz route that answers 200 without a login, or set berth:web.healthPath to a path that does",
    });

  for (const type of processes) {
    if (type.name === "web" || type.name === "worker" || type.name === "release") continue;
    const where = `${procfile}:${type.line} ${type.name}`;
    if (CLOCK_TYPES.test(type.name))
      plan.cannotMap.push({
        what: where,
        why: "a clock process is a scheduler of its own, and berth's worker runs on every host: as the worker it would fire once per host",
        instead:
          'write each of its jobs into berth:schedule ({name, cron, command}, cron in UTC): one host runs each job as a one-off container of the current release, e.g. [{name: "cleanup", cron: "0 3 * * *", command: ["bin/rails", "cleanup"]}]',
      });
    else
      plan.cannotMap.push({
        what: where,
        why: "berth runs one web and one worker command per host; other process types have no place",
        instead: `merge it into the worker (one process that serves both queues), or, if it is the app's only background process, rename it worker in the Procfile`,
      });
  }
}

/**
 * app.json's formation onto hosts (one web container per host), workers per host and an instance
 * type; `hosts` is the stack's host count, used when there is no web quantity.
 */
export function mapFormation(
  { appJson, processes }: HerokuInputs,
  plan: ImportPlan,
  hosts: number,
): void {
  const formation = appJson?.formation;
  if (!formation || formation.size === 0) return;
  const web = formation.get("web");
  let hostCount = hosts;
  if (web?.quantity !== undefined) {
    if (web.quantity === 0)
      plan.notes.push(
        "formation.web.quantity is 0: berth:hosts.count is unchanged (berth needs at least 1)",
      );
    else {
      hostCount = Math.min(web.quantity, MAX_HOSTS);
      plan.settings.hosts = { count: hostCount };
      plan.notes.push(
        `berth:hosts.count ${hostCount}: one host per web dyno (formation.web.quantity ${web.quantity}); each host runs one web container`,
      );
      if (web.quantity > MAX_HOSTS)
        plan.cannotMap.push({
          what: `formation.web.quantity ${web.quantity}`,
          why: `berth runs at most ${MAX_HOSTS} hosts per stack`,
          instead: `use larger instances (the app can run more processes per container, e.g. WEB_CONCURRENCY) with ${MAX_HOSTS} hosts or fewer`,
        });
    }
  }
  const worker = formation.get("worker");
  const hasWorker = processes?.some((p) => p.name === "worker") ?? false;
  let workersPerHost = hasWorker ? 1 : 0;
  if (hasWorker && worker?.quantity !== undefined && plan.settings.worker) {
    workersPerHost = Math.min(Math.ceil(worker.quantity / hostCount), MAX_WORKERS_PER_HOST);
    plan.settings.worker.count = workersPerHost;
    plan.notes.push(
      `berth:worker.count ${workersPerHost} per host: formation.worker.quantity ${worker.quantity} over ${hostCount} host(s), rounded up`,
    );
  }

  const sizes = [...formation.entries()].filter(([, f]) => f.size !== undefined);
  if (sizes.length === 0) return;
  const shown = sizes.map(([name, f]) => `${name} ${f.size}`).join(", ");
  const unknown = sizes.find(([, f]) => dynoMemoryMb(f.size as string) === undefined);
  if (unknown) {
    plan.cannotMap.push({
      what: `dyno size ${unknown[1].size} (formation.${unknown[0]})`,
      why: "not a dyno size berth knows the memory of",
      instead:
        "pick berth:hosts.instanceType yourself: twice the memory one host's web and workers use (a rollout runs both releases side by side), plus 1 GiB",
    });
    return;
  }
  const memory = (name: string) => dynoMemoryMb(formation.get(name)?.size ?? "standard-1x") ?? 512;
  const perHostMb = memory("web") + workersPerHost * (hasWorker ? memory("worker") : 0);
  const dedicated = sizes.some(([, f]) => isDedicatedDyno(f.size as string));
  const pick = instanceTypeFor(perHostMb, dedicated);
  if (!pick) {
    plan.cannotMap.push({
      what: `dyno sizes ${shown}`,
      why: `one host would need ${perHostMb} MB for its web and workers, more than the instance types berth picks from`,
      instead: "run more hosts with fewer workers each, and pick berth:hosts.instanceType yourself",
    });
    return;
  }
  plan.settings.hosts = { ...plan.settings.hosts, instanceType: pick.instanceType };
  plan.cannotMap.push({
    what: `dyno sizes ${shown}`,
    why: "a dyno size is a memory and CPU share with no EC2 equivalent",
    instead: `berth:hosts.instanceType ${pick.instanceType} (${pick.memoryMb} MB) is chosen by memory alone: ${perHostMb} MB per host (web${hasWorker ? ` + ${workersPerHost} worker(s)` : ""}) twice over, as a rollout runs both releases side by side, plus 1024 MB for the host; ${dedicated ? "performance dynos have dedicated CPU, hence a general-purpose m6i" : "shared-CPU dynos, hence a burstable t3"}. Load-test it before the cut-over`,
  });
}
