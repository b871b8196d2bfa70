import { ReleaseSpec } from "./agent/contract";
import { awsLogging } from "./appLogs";
import { StackConfig } from "./config";
import { scheduledJob } from "./schedule";

/**
 * The release spec for the agent from the stack config and the two images. Pure: secret values
 * are in `env` here, so callers build it inside an Output that is secret.
 * Tags and infrastructure sizes are not part of it: they never trigger a release.
 */
export function buildReleaseSpec(
  config: StackConfig,
  stack: string,
  images: { app: string; proxy: string },
): ReleaseSpec {
  return {
    app: config.app,
    stack,
    image: images.app,
    proxyImage: images.proxy,
    web: { command: config.web.command, port: config.web.port, healthPath: config.web.healthPath },
    worker: config.worker,
    releaseCommand: config.release.command,
    env: { ...config.env, ...config.secretEnv },
    timeouts: {
      healthSeconds: config.release.healthSeconds,
      drainSeconds: config.release.drainSeconds,
      stopSeconds: config.release.stopSeconds,
    },
    keepReleases: config.release.keepReleases,
    guard: {
      smokePaths: config.release.smokePaths,
      smokeStatuses: config.release.smokeStatuses,
      bakeSeconds: config.release.bakeSeconds,
      maxErrorRate: config.release.maxErrorRate,
    },
    // Only when there are jobs: a stack without any keeps the spec, and so the hash, it had.
    ...(config.schedule.length > 0 ? { schedule: config.schedule.map(scheduledJob) } : {}),
    // Only when set: a spec without it hashes as before, so turning the key on or off redeploys.
    ...(config.appLogs?.enabled ? { logging: awsLogging(config.app, stack, config.region) } : {}),
  };
}
