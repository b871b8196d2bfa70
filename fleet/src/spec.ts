import type { ReleaseSpec } from "../../infra/src/agent/contract";

/** The release spec the local fleet deploys: the sample app's web + worker, the project's nginx. */
export function localReleaseSpec(
  images: { app: string; proxy: string },
  overrides: Partial<ReleaseSpec> = {},
): ReleaseSpec {
  return {
    app: "berth-demo",
    stack: "local",
    image: images.app,
    proxyImage: images.proxy,
    web: { command: null, port: 3000, healthPath: "/healthz" },
    worker: { command: ["node", "dist/worker.js"], count: 1 },
    releaseCommand: null,
    env: { SHUTDOWN_TIMEOUT_MS: "8000", SHUTDOWN_DRAIN_DELAY_MS: "1000" },
    timeouts: { healthSeconds: 30, drainSeconds: 2, stopSeconds: 10 },
    keepReleases: 3,
    ...overrides,
  };
}
