/**
 * The web process (the image's CMD): `node dist/server.js`.
 *
 * SIGTERM starts a graceful shutdown: /healthz turns 503 at once, the server keeps accepting for
 * SHUTDOWN_DRAIN_DELAY_MS so health checkers see it, then stops accepting, lets in-flight requests
 * finish and exits 0; whatever is still open at SHUTDOWN_TIMEOUT_MS is cut and the exit code is 1.
 */
import { createServer } from "node:http";
import { answerMalformedRequests } from "./client-errors";
import { loadConfigOrExit, readWebConfig } from "./config";
import { createPool, readDatabaseConfig } from "./database";
import { errorFields, log } from "./log";
import { createRequestHandler, ServiceState } from "./routes";

const config = loadConfigOrExit(readWebConfig);
const database = loadConfigOrExit((env) => readDatabaseConfig(env));
// Opens no connection until a job route needs one: the web process starts without its database.
const pool = database ? createPool(database, "berth-web") : null;
const state: ServiceState = { draining: false };
const server = createServer(
  {
    headersTimeout: config.headersTimeoutMs,
    // How often Node looks for requests past headersTimeout; its default, 30 s, would let a
    // slow-header client hold its connection that much longer.
    connectionsCheckingInterval: 1000,
  },
  createRequestHandler(config, state, pool),
);
// Longer than nginx's upstream keepalive_timeout, so the proxy, not the app, closes idle
// connections and never sends a request on a connection the app is closing.
server.keepAliveTimeout = config.keepAliveTimeoutMs;
answerMalformedRequests(server);

server.on("error", (error) => {
  log("error", "server error", { ...errorFields(error), port: config.port });
  process.exit(1);
});

server.listen(config.port, () => {
  log("info", "listening", {
    port: config.port,
    release: config.release,
    digest: config.digest,
    keepAliveTimeoutMs: config.keepAliveTimeoutMs,
    headersTimeoutMs: config.headersTimeoutMs,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    database: database ? { poolMax: database.poolMax } : "none (DATABASE_URL is not set)",
  });
});

function shutdown(signal: NodeJS.Signals): void {
  if (state.draining) return;
  state.draining = true;
  log("info", "draining", {
    signal,
    drainDelayMs: config.drainDelayMs,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
  });
  setTimeout(() => {
    log("warn", "shutdown timeout reached, closing open connections", {
      shutdownTimeoutMs: config.shutdownTimeoutMs,
    });
    server.closeAllConnections();
    process.exit(1);
  }, config.shutdownTimeoutMs).unref();

  setTimeout(() => {
    log("info", "no longer accepting connections; waiting for in-flight requests");
    server.close(() => {
      void (pool?.end() ?? Promise.resolve())
        .catch(() => undefined)
        .then(() => {
          log("info", "stopped", { signal });
          process.exit(0);
        });
    });
    server.closeIdleConnections();
  }, config.drainDelayMs);
}

process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
