/**
 * Where the CPU went during a measurement: this process (the load generator), named containers
 * (their cgroup's usage), dockerd (which also writes every container log line), and the whole
 * machine, so that other work on a shared machine shows as "other". Linux only; a figure that
 * cannot be read is null.
 */
import * as fs from "node:fs";
import { run } from "../../fleet/src/exec";

/** USER_HZ: the unit of /proc/stat and /proc/<pid>/stat (100 on every Linux this runs on). */
const TICKS_PER_SECOND = 100;

export interface CpuSnapshot {
  wallNs: bigint;
  /** Busy ticks of the whole machine (all cores), and all ticks. */
  machine: { busy: number; total: number } | null;
  selfUs: number;
  dockerdTicks: number | null;
  containersNs: Record<string, number | null>;
}

export interface CpuShare {
  wallMs: number;
  /** CPU-ms per consumer over the measurement. */
  cpuMs: {
    loadGenerator: number;
    dockerd: number | null;
    machineBusy: number | null;
    /** Machine busy minus everything named here: the kernel's own work, other processes. */
    other: number | null;
    containers: Record<string, number | null>;
  };
}

/** The machine's busy and total ticks from /proc/stat's first line. */
export function parseProcStat(text: string): { busy: number; total: number } | null {
  const line = text.split("\n").find((l) => l.startsWith("cpu "));
  if (!line) return null;
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  if (fields.length < 4 || fields.some((n) => !Number.isFinite(n))) return null;
  // user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user.
  const total = fields.slice(0, 8).reduce((s, n) => s + n, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

/** utime + stime of one process from its /proc/<pid>/stat (fields after the command name). */
export function parseProcessTicks(text: string): number | null {
  const afterName = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // After ")": state(3) ppid(4) ... utime is field 14, stime 15; index 0 here is field 3.
  const utime = Number(afterName[11]);
  const stime = Number(afterName[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? utime + stime : null;
}

function readOrNull(file: string): string | null {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return null;
  }
}

/** One field of a container's cgroup v2 cpu.stat, ns (cgroupfs or systemd driver); null if absent. */
function cgroupV2CpuNs(id: string, field: string): number | null {
  for (const dir of [
    `/sys/fs/cgroup/docker/${id}`,
    `/sys/fs/cgroup/system.slice/docker-${id}.scope`,
  ]) {
    const stat = readOrNull(`${dir}/cpu.stat`);
    const match = stat && new RegExp(`^${field} (\\d+)$`, "m").exec(stat);
    if (match?.[1]) return Number(match[1]) * 1000;
  }
  return null;
}

/** A container's CPU time in ns from its cgroup (v1 cpuacct, or v2 cpu.stat under either driver). */
function containerCpuNs(id: string): number | null {
  const v1 = readOrNull(`/sys/fs/cgroup/cpuacct/docker/${id}/cpuacct.usage`);
  if (v1 !== null) return Number(v1.trim());
  return cgroupV2CpuNs(id, "usage_usec");
}

/** Full container ids for names, resolved once per measurement. */
export async function containerIds(names: string[]): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const name of names) {
    const r = await run("docker", ["inspect", "--format", "{{.Id}}", name], { allowFail: true });
    if (r.code === 0) ids[name] = r.stdout.trim();
  }
  return ids;
}

let dockerdPid: number | null | undefined;
async function dockerdTicks(): Promise<number | null> {
  if (dockerdPid === undefined) {
    const r = await run("pidof", ["dockerd"], { allowFail: true });
    const pid = Number(r.stdout.trim().split(/\s+/)[0]);
    dockerdPid = r.code === 0 && Number.isInteger(pid) ? pid : null;
  }
  if (dockerdPid === null) return null;
  const text = readOrNull(`/proc/${dockerdPid}/stat`);
  return text === null ? null : parseProcessTicks(text);
}

export async function cpuSnapshot(containers: Record<string, string>): Promise<CpuSnapshot> {
  const usage = process.cpuUsage();
  const proc = readOrNull("/proc/stat");
  return {
    wallNs: process.hrtime.bigint(),
    machine: proc === null ? null : parseProcStat(proc),
    selfUs: usage.user + usage.system,
    dockerdTicks: await dockerdTicks(),
    containersNs: Object.fromEntries(
      Object.entries(containers).map(([name, id]) => [name, containerCpuNs(id)]),
    ),
  };
}

const tickMs = 1000 / TICKS_PER_SECOND;
const round1 = (v: number) => Math.round(v * 10) / 10;

export function cpuShare(before: CpuSnapshot, after: CpuSnapshot): CpuShare {
  const containers: Record<string, number | null> = {};
  for (const name of Object.keys(after.containersNs)) {
    const a = before.containersNs[name];
    const b = after.containersNs[name];
    containers[name] = a == null || b == null ? null : round1((b - a) / 1e6);
  }
  const loadGenerator = round1((after.selfUs - before.selfUs) / 1000);
  const dockerd =
    before.dockerdTicks === null || after.dockerdTicks === null
      ? null
      : round1((after.dockerdTicks - before.dockerdTicks) * tickMs);
  const machineBusy =
    before.machine && after.machine
      ? round1((after.machine.busy - before.machine.busy) * tickMs)
      : null;
  const named =
    loadGenerator +
    (dockerd ?? 0) +
    Object.values(containers).reduce<number>((s, v) => s + (v ?? 0), 0);
  return {
    wallMs: round1(Number(after.wallNs - before.wallNs) / 1e6),
    cpuMs: {
      loadGenerator,
      dockerd,
      machineBusy,
      other: machineBusy === null ? null : round1(Math.max(0, machineBusy - named)),
      containers,
    },
  };
}

/** Adds two shares (several rounds of one case). */
export function addShares(a: CpuShare | null, b: CpuShare): CpuShare {
  if (!a) return b;
  const add = (x: number | null, y: number | null) =>
    x === null || y === null ? null : round1(x + y);
  const containers: Record<string, number | null> = {};
  for (const name of new Set([
    ...Object.keys(a.cpuMs.containers),
    ...Object.keys(b.cpuMs.containers),
  ])) {
    containers[name] = add(a.cpuMs.containers[name] ?? null, b.cpuMs.containers[name] ?? null);
  }
  return {
    wallMs: round1(a.wallMs + b.wallMs),
    cpuMs: {
      loadGenerator: round1(a.cpuMs.loadGenerator + b.cpuMs.loadGenerator),
      dockerd: add(a.cpuMs.dockerd, b.cpuMs.dockerd),
      machineBusy: add(a.cpuMs.machineBusy, b.cpuMs.machineBusy),
      other: add(a.cpuMs.other, b.cpuMs.other),
      containers,
    },
  };
}

/**
 * A container's CPU split into user and system time, ns, from its cgroup (v1 cpuacct.stat in
 * USER_HZ ticks, or v2 cpu.stat in µs); null when neither is readable.
 */
export function containerCpuSplitNs(id: string): { user: number; system: number } | null {
  const v1 = readOrNull(`/sys/fs/cgroup/cpuacct/docker/${id}/cpuacct.stat`);
  if (v1 !== null) {
    const user = /^user (\d+)$/m.exec(v1)?.[1];
    const system = /^system (\d+)$/m.exec(v1)?.[1];
    const tickNs = 1e9 / TICKS_PER_SECOND;
    return user && system ? { user: Number(user) * tickNs, system: Number(system) * tickNs } : null;
  }
  const user = cgroupV2CpuNs(id, "user_usec");
  const system = cgroupV2CpuNs(id, "system_usec");
  return user !== null && system !== null ? { user, system } : null;
}
