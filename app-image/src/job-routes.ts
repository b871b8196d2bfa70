/**
 * The job queue's web routes: POST /jobs enqueues (202 and the job's id), GET /jobs/:id reads a
 * job's state. Without a database they answer 503 saying so; a database error is a 503 too,
 * logged here and never shown to the client.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Pool } from "pg";
import { enqueueJob, readJob } from "./job-store";
import { MAX_JOB_BODY_BYTES, isJobId, parseJobRequest } from "./jobs";
import { errorFields, log } from "./log";

type SendJson = (res: ServerResponse, status: number, body: unknown) => void;
type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void;

/** The route table key every /jobs/<id> path dispatches to. */
export const JOB_BY_ID_ROUTE = "/jobs/:id";

/** Reads a body of at most `limit` bytes; null (and a 413 sent) when it is larger. */
function readBody(
  req: IncomingMessage,
  res: ServerResponse,
  limit: number,
  sendJson: SendJson,
): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    req.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > limit) {
        res.setHeader("connection", "close");
        sendJson(res, 413, { error: "payload_too_large", limitBytes: limit });
        req.destroy();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export function jobRoutes(
  pool: Pool | null,
  sendJson: SendJson,
): Record<string, Record<string, Handler>> {
  const unavailable = (res: ServerResponse, error: unknown) => {
    log("error", "job route: database error", errorFields(error));
    if (!res.headersSent)
      sendJson(res, 503, {
        error: "database_unavailable",
        message: "the job queue's database did not answer; try again shortly",
      });
  };
  const withPool =
    (handle: (pool: Pool, req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>) =>
    (req: IncomingMessage, res: ServerResponse, url: URL) => {
      if (!pool) {
        req.resume();
        sendJson(res, 503, {
          error: "no_database",
          message: "the job routes need a database: this process runs without DATABASE_URL",
        });
        return;
      }
      handle(pool, req, res, url).catch((error: unknown) => unavailable(res, error));
    };

  return {
    "/jobs": {
      POST: withPool(async (pool, req, res) => {
        const body = await readBody(req, res, MAX_JOB_BODY_BYTES, sendJson);
        if (body === null) return;
        const parsed = parseJobRequest(body);
        if (!parsed.ok) {
          sendJson(res, 400, { error: "bad_request", message: parsed.message });
          return;
        }
        const job = await enqueueJob(pool, parsed.job);
        res.setHeader("location", `/jobs/${job.id}`);
        sendJson(res, 202, job);
      }),
    },
    [JOB_BY_ID_ROUTE]: {
      GET: withPool(async (pool, _req, res, url) => {
        const id = url.pathname.slice("/jobs/".length);
        if (!isJobId(id)) {
          sendJson(res, 404, { error: "not_found", message: "a job id is a UUID" });
          return;
        }
        const job = await readJob(pool, id);
        if (!job) sendJson(res, 404, { error: "not_found", message: `no job ${id}` });
        else sendJson(res, 200, job);
      }),
    },
  };
}
