/**
 * Requests that never reach the request handler: Node's HTTP parser refuses malformed request
 * lines, headers and framing, oversized or too slow headers ('clientError'), and CONNECT arrives
 * as its own event. Each gets a minimal JSON error written to the socket, then the connection
 * closes. These listeners run outside any request handler, so nothing in them may throw.
 */
import { STATUS_CODES, type Server } from "node:http";
import type { Duplex } from "node:stream";
import { log } from "./log";

/** Node's own choices for these parser errors; anything else is a 400. */
const STATUS_BY_CODE: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 413,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

const ERROR_BY_STATUS: Record<number, string> = {
  400: "bad_request",
  408: "request_timeout",
  413: "payload_too_large",
  431: "headers_too_large",
};

/** A whole HTTP/1.1 response with a JSON body that closes the connection. */
function errorResponse(status: number): string {
  const body = JSON.stringify({ error: ERROR_BY_STATUS[status] ?? "bad_request" });
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}\r\n` +
    "Content-Type: application/json; charset=utf-8\r\n" +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    "Connection: close\r\n\r\n" +
    body
  );
}

function refuse(socket: Duplex, status: number): void {
  socket.on("error", () => {}); // the peer may reset the connection; that is not our error
  // After part of a response went out, another status line would corrupt it: just close.
  const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    socket.end(errorResponse(status), () => socket.destroy());
  } else {
    socket.destroy();
  }
}

export function answerMalformedRequests(server: Server): void {
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => {
    // Not a request Node refused (HPE_* from its parser, or a timeout) but a broken connection.
    if (!error.code?.startsWith("HPE_") && error.code !== "ERR_HTTP_REQUEST_TIMEOUT") {
      socket.destroy();
      return;
    }
    const status = STATUS_BY_CODE[error.code ?? ""] ?? 400;
    log("warn", "malformed request", { code: error.code, reason: error.message, status });
    refuse(socket, status);
  });
  // No proxying here: without this listener Node drops the connection without an answer.
  server.on("connect", (req, socket: Duplex) => {
    log("warn", "malformed request", { method: req.method, target: req.url, status: 400 });
    refuse(socket, 400);
  });
}
