/**
 * The shape of bench/results/<timestamp>.json (every figure of one `npm run bench`) and the
 * targets it is read against. Figures the run could not take are null, with the reason in `notes`.
 */
import type { BakeResult } from "../../infra/src/agent/contract";
import type { CpuShare } from "./cpu";
import type { HostRun } from "./phases";
import type { LineFit, Projection } from "./scaling";
import type { LatencySummary, SecondBucket, TrafficSummary } from "./stats";

/**
 * 2: the guard's phases (smoke, bake), a baked rollout, the fleet's rollback both ways, the guard scenario.
 * 3: how a rollout grows (scaling) and what a brand-new host pulls (coldHost).
 */
export const RESULTS_SCHEMA_VERSION = 3;

/**
 * The agent's phases in the order it runs them (infra/host/berth-agent's receipt keys). The new
 * workers start with the web container (inside boot) and are confirmed after the bake ("workers":
 * the rest of their stay-up check); a failed bake or worker ends in a switch-back. The deploy
 * returns then; the old release's drain, the old workers' stop and the prune run in the
 * background on the host (BACKGROUND_PHASES, in background.json).
 */
export const AGENT_PHASES = [
  "lock",
  "login",
  "pull",
  "release",
  "boot",
  "smoke",
  "switch",
  "bake",
  "workers",
  "switchBack",
] as const;
export type AgentPhase = (typeof AGENT_PHASES)[number];

/** What a deploy leaves to the background on its host, in the order it runs (background.json). */
export const BACKGROUND_PHASES = ["oldWorkers", "drain", "prune"] as const;

export interface MachineFacts {
  cores: number;
  cpuModel: string;
  memoryBytes: number;
  /** 1-minute load average when the run started and ended: how busy the shared machine was. */
  loadAverage: { start: number; end: number | null };
  node: string;
  docker: string | null;
  kernel: string;
}

/**
 * One stretch of a host's deploy on the load's time axis. "overhead" is time outside the agent's
 * named phases: the SSH connection, and the agent's own bookkeeping (jq, docker inspect, writing
 * the receipt) before its first and after its last named phase.
 */
export interface PhaseSpan {
  host: string;
  phase: AgentPhase | "overhead";
  /** ms since the load started (the chart's time axis). */
  startMs: number;
  endMs: number;
}

export interface HostRolloutFigures {
  host: string;
  outcome: string;
  /** The agent's receipt: ms per phase (absent phases did not run). */
  phasesMs: Partial<Record<AgentPhase, number>>;
  /** The agent's own total (lock to receipt). */
  agentTotalMs: number | null;
  /** Wall time seen by the deployer (SSH connect + agent). */
  wallMs: number;
  /** wallMs minus agentTotalMs: the SSH connection and process start. */
  sshMs: number | null;
  /** agentTotalMs minus the named phases: the agent's own bookkeeping (jq, docker inspect, ...). */
  unattributedMs: number | null;
  floor: FloorFigures | null;
  /** wallMs / floor.totalMs. */
  ratioToFloor: number | null;
  /** From the deployer's start to nginx serving the new release on this host. */
  servingAfterMs: number | null;
  /** The bake's figures from the receipt (requests and 5xx the new release answered), if one ran. */
  bake: BakeResult | null;
  /**
   * The work the deploy left to the background on this host (old workers, drain, prune): its
   * outcome and ms per phase from background.json, read once it finished; null when unknown.
   */
  background: { state: string; reason: string; phasesMs: Record<string, number> } | null;
}

/** The least a host could take for this release: pull the changed layers, boot to healthy. */
export interface FloorFigures {
  pullMs: number;
  bootToHealthyMs: number;
  totalMs: number;
  /** How often health was polled while measuring the boot (the agent polls about once a second). */
  pollIntervalMs: number;
}

export interface RolloutFigures {
  from: string;
  to: string;
  /** The spec's guard.bakeSeconds: how long each host baked before the next batch started. */
  bakeSeconds: number;
  hosts: HostRolloutFigures[];
  /** Wall time of the whole rolling deploy (batch size 1). */
  totalMs: number;
  floorTotalMs: number | null;
  ratioToFloor: number | null;
  ok: boolean;
  error: string | null;
}

export interface LoadSettings {
  url: string;
  path: string;
  ratePerSecond: number;
  connections: number;
  timeoutSeconds: number;
}

export interface TrafficFigures {
  settings: LoadSettings;
  /** Epoch ms when the load started: the origin of every time in here. */
  loadStartedAtMs: number;
  /** From the first request to the last response, ms. */
  durationMs: number;
  summary: TrafficSummary;
  perSecond: SecondBucket[];
  phases: PhaseSpan[];
  /** What the phases were computed from: each host's start, wall time, switch moment and receipt. */
  hostRuns: HostRun[];
  /** The machine's CPU over the window: this process, dockerd, and everything else (the fleet, other work). */
  cpu: CpuShare | null;
}

export interface ThroughputFigures {
  target: "direct" | "nginx";
  connections: number;
  durationSeconds: number;
  requestsPerSecond: number;
  latencyMs: LatencySummary;
  non2xx: number;
  failed: number;
  /** Where the CPU went during the measured runs (load generator, app, nginx, dockerd, other). */
  cpu: CpuShare | null;
}

/**
 * The routes nginx-vs-direct measures: one where the app does next to nothing (nginx's cost shows
 * at its largest), and one that does about 1 ms of CPU per request, closer to a real API.
 */
export const NGINX_ROUTES = { noop: "/", cpu: "/cpu?ms=1" } as const;

export interface NginxComparison {
  /** The route measured (NGINX_ROUTES); absent in results written before there were two: "/". */
  path?: string;
  connections: number;
  direct: ThroughputFigures;
  nginx: ThroughputFigures;
  /** nginx rps / direct rps. */
  rpsRatio: number | null;
  /** nginx p50 - direct p50, ms. */
  p50AddedMs: number | null;
  p99AddedMs: number | null;
  /**
   * nginx's CPU per request (its container's cgroup), µs, split into user (nginx's own HTTP work)
   * and system (the kernel: sockets, TCP, scheduling); null where the cgroup could not be read.
   */
  nginxCpuUsPerRequest?: { total: number; user: number | null; system: number | null } | null;
}

export interface SlowClientFigures {
  target: "direct" | "nginx";
  slowClients: number;
  /** Bytes each slow client reads per tick, and the tick. */
  readBytesPerTick: number;
  tickMs: number;
  responseBytes: number;
  /** A constant-rate load of normal clients at the same time. */
  normalTraffic: TrafficSummary;
  /** Established TCP connections on the app's port, seen from inside the app container, at the peak. */
  appConnectionsPeak: number;
  /** The same, averaged over samples taken every 0.5 s while the slow clients ran. */
  appConnectionsMean: number;
  /** How long the app spent on the slow clients' responses (its own request log), ms. */
  appResponseMs: LatencySummary;
  /** Slow clients whose whole response arrived before the case ended. */
  slowClientsCompleted: number;
}

export interface ImageFigures {
  /** `docker image inspect` Size of the runtime image (uncompressed). */
  sizeBytes: number | null;
  /** Sum of the compressed layers in the registry manifest (what a first pull downloads). */
  compressedBytes: number | null;
  coldBuildMs: number | null;
  /** Rebuild after a one-line change in app-image/src, with the build cache warm. */
  rebuildMs: number | null;
  /** Compressed bytes of the layers that rebuild added, plus its config blob and manifest. */
  rebuildPushedBytes: number | null;
  rebuildPushedLayers: number | null;
  pushMs: number | null;
}

export interface RollbackFigures {
  /** `berth rollback`'s default (every host at once) or its one-at-a-time flag. */
  mode: "parallel" | "one-at-a-time";
  /** The digest every host should serve afterwards (the previous release's). */
  toDigest: string;
  hosts: {
    host: string;
    outcome: string;
    pulled: boolean | null;
    /** From the command's start to nginx serving the previous release (the agent's switch moment). */
    servingAfterMs: number | null;
    /** From the command's start to the host's nginx first answering GET /version with the previous digest. */
    observedAfterMs: number | null;
    wallMs: number;
    phasesMs: Partial<Record<AgentPhase, number>>;
  }[];
  /** The rollback command's wall time (the last host's agent done). */
  totalMs: number;
  /** From the command's start to every host serving the previous release (polled on each host); null if not all did. */
  allServingAfterMs: number | null;
  ok: boolean;
  error: string | null;
  traffic: TrafficFigures | null;
}

/**
 * The deploy guard under load: a release whose health path and "/" answer 200 and every other
 * route 500, deployed while the load asks a route the real app answers.
 */
export interface GuardFigures {
  /** The bad release's guard.bakeSeconds (the switch-back should come long before its end). */
  bakeSeconds: number;
  /** The host that took the bad release (the first batch). */
  host: string | null;
  /** The agent's exit code and its name (9, switchedBack, is the expected one). */
  exitCode: number | null;
  exitName: string | null;
  /** The receipt's bake figures (requests and 5xx nginx saw from the bad release). */
  bake: BakeResult | null;
  /** The receipt's bake.switchBackAfterMs: from the switch to the switch-back. */
  switchBackAfterMs: number | null;
  /** Requests that got a non-2xx or no answer through the LB, up to the switch-back moment. */
  failedBeforeSwitchBack: number;
  /** The same after it (requests in flight at the reload count here). */
  failedAfterSwitchBack: number;
  /**
   * GETs of the load's path that the first host's nginx logged during the scenario, and how many
   * it answered 5xx: what clients would have seen behind a load balancer that does not retry.
   * (The local fleet's HAProxy retries a 500 on another host, `retry-on all-retryable-errors`,
   * so clients through it may see none; the ALB does not retry.)
   */
  firstHostAnswers: { requests: number; errors: number };
  /** Hosts of later batches the rollout never touched. */
  untouched: string[];
  /** Every host serves the release it served before (its `current` and GET /version with its digest). */
  fleetOnPrevious: boolean;
  /** What each host serves afterwards, for the reader: host -> release id. */
  releasesAfter: Record<string, string | null>;
  error: string | null;
  traffic: TrafficFigures | null;
}

export interface ProgramEvaluationFigures {
  stack: string;
  /** Importing the program and its providers in a fresh process. */
  importMs: number | null;
  /** Running it to completion under mocks, the first time in the process. */
  runMs: number | null;
  /** A second run in the same process (modules loaded, JIT warm). */
  warmRunMs: number | null;
  resources: number | null;
  /** The whole child process, node start to exit. */
  processMs: number;
}

export interface TargetCheck {
  name: string;
  target: string;
  value: string;
  met: boolean | null;
}

export interface BenchResults {
  schemaVersion: number;
  startedAt: string;
  finishedAt: string;
  commit: { sha: string | null; dirty: boolean | null };
  machine: MachineFacts;
  fleet: { hosts: number; prefix: string };
  rollout: RolloutFigures | null;
  rolloutTraffic: TrafficFigures | null;
  /** The same code-only kind of change rolled out with the default bake (after the bake-0 one above). */
  rolloutWithBake: RolloutFigures | null;
  rolloutWithBakeTraffic: TrafficFigures | null;
  /** `berth rollback`'s default: every host at once. */
  rollback: RollbackFigures | null;
  /** The same with one host after another, for comparison. */
  rollbackOneAtATime: RollbackFigures | null;
  guard: GuardFigures | null;
  nginx: { throughput: NginxComparison[]; slowClients: SlowClientFigures[] } | null;
  image: ImageFigures | null;
  programEvaluation: ProgramEvaluationFigures | null;
  /** Rollouts of a code-only change on fleets of 3, 6 and 10 hosts at batch sizes 1 and 3. */
  scaling?: ScalingFigures | null;
  /** What the main fleet's brand-new hosts pulled in their first deploy, before they served. */
  coldHost?: ColdHostFigures | null;
  targets: TargetCheck[];
  /** Anything a reader needs to know: skipped parts and why, noise on a shared machine. */
  notes: string[];
  /** How long each part of the benchmark took, ms. */
  stepsMs: Record<string, number>;
  /** The 1-minute load average when each part started: other work on a shared machine shows here. */
  loadAverages: Record<string, number>;
}

/** One rollout of the scaling section: a code-only change, bake 0, no load. */
export interface ScalePointFigures {
  hosts: number;
  batchSize: number;
  /** Batches of the rollout plan (host-1 goes alone first: it runs the release command). */
  batches: number;
  /** Hosts per batch, in order. */
  batchHosts: number[];
  /** The release rolled out (a one-layer change on top of the bench's v1, pushed for this point). */
  image: string;
  /** Wall time of the whole rollout, first SSH dial to the last host's agent returning. */
  totalMs: number;
  /** totalMs / batches. */
  perBatchMs: number;
  /** Each batch's wall time (its slowest host), in order; the last batch of a failed rollout too. */
  batchMs: number[];
  /** Each host's deployer wall time (SSH + agent), in rollout order. */
  hostWallMs: number[];
  /** The machine's 1-minute load average when the rollout started (other work shows here). */
  loadAverage: number;
  ok: boolean;
  error: string | null;
}

/**
 * How a rollout grows with the fleet (issue 16 item 4). The fleet grows (and shrinks) between
 * sizes; new hosts are brought to the fleet's release before the size's points are measured.
 */
export interface ScalingFigures {
  bakeSeconds: number;
  points: ScalePointFigures[];
  /** totalMs = intercept + slope × batches through every point that succeeded (slope: per-batch cost). */
  fit: LineFit | null;
  /** The same line per batch size. */
  fitByBatchSize: { batchSize: number; fit: LineFit | null }[];
  /** Each batch size's line carried to 100 hosts (the local per-batch cost; see the README). */
  projection: Projection[];
}

/** One of the two images a brand-new host pulls (the same bytes for every host). */
export interface ColdImageFigures {
  /** The reference the host pulled, by digest. */
  reference: string;
  /**
   * Sum of the registry manifest's layer sizes (compressed): what a pull into an empty image
   * store downloads, besides the manifest and the config blob.
   */
  compressedBytes: number | null;
  layers: number | null;
  /** `docker image inspect` Size on the host after the pull (unpacked). */
  sizeBytes: number | null;
}

/** One brand-new host's first deploy (empty image store), from its receipt and its engine. */
export interface ColdHostRun {
  host: string;
  /** Images in the host's store before the deploy (0: brand-new). */
  imagesBefore: number | null;
  /** This host ran the release command (host-1), which comes between the pull and the boot. */
  releaseCommand: boolean;
  /** The receipt's pull phase: both images, one after the other. */
  pullMs: number | null;
  /**
   * The pull phase split at the host engine's `pull` events: the proxy's share from the app
   * image's event to its own, the app's the rest. Null when the events were not found.
   */
  appPullMs: number | null;
  proxyPullMs: number | null;
  /** From the deployer's start to nginx serving the release on this host. */
  servingAfterMs: number | null;
  /** The deployer's wall time (SSH + agent). */
  wallMs: number;
  /** Bytes the host's network interface received during the deploy (registry, SSH, DNS). */
  receivedBytes: number | null;
  phasesMs: Partial<Record<AgentPhase, number>>;
}

/** Bytes and seconds a brand-new host pulls before it serves (issue 16 item 5). */
export interface ColdHostFigures {
  app: ColdImageFigures;
  proxy: ColdImageFigures;
  /** The main fleet's first deploy (batch size 1): every host brand-new. */
  hosts: ColdHostRun[];
}
