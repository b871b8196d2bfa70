/**
 * Slow clients: raw TCP sockets that ask for large responses (several pipelined requests, the
 * last one with `Connection: close`) and then read them a few bytes at a time. Bounded in number,
 * bytes and time; every socket is destroyed when the case ends.
 */
import * as net from "node:net";

export interface SlowClientOptions {
  host: string;
  port: number;
  /** Request path of each pipelined request. */
  path: string;
  clients: number;
  requestsPerClient: number;
  readBytesPerTick: number;
  tickMs: number;
  /** Every socket is destroyed after this long, finished or not. */
  maxMs: number;
}

export interface SlowClientsRun {
  /** Resolves when every client finished or maxMs passed; all sockets are closed by then. */
  finished: Promise<{ completed: number; bytesRead: number; errors: number }>;
  /** Ends the case now. */
  stop(): void;
}

/** The bytes one slow client sends: `count` pipelined GETs, the last one closing the connection. */
export function pipelinedRequests(path: string, host: string, count: number): string {
  return Array.from({ length: count }, (_, i) =>
    [
      `GET ${path} HTTP/1.1`,
      `Host: ${host}`,
      "User-Agent: berth-bench-slow-client",
      `Connection: ${i === count - 1 ? "close" : "keep-alive"}`,
      "",
      "",
    ].join("\r\n"),
  ).join("");
}

export function startSlowClients(options: SlowClientOptions): SlowClientsRun {
  const sockets = new Set<net.Socket>();
  let completed = 0;
  let bytesRead = 0;
  let errors = 0;
  let finish: () => void = () => undefined;
  const finished = new Promise<{ completed: number; bytesRead: number; errors: number }>(
    (resolve) => {
      finish = () => resolve({ completed, bytesRead, errors });
    },
  );
  const request = pipelinedRequests(options.path, options.host, options.requestsPerClient);
  let open = options.clients;
  const closed = () => {
    open--;
    if (open === 0) {
      clearInterval(ticker);
      clearTimeout(deadline);
      finish();
    }
  };
  for (let i = 0; i < options.clients; i++) {
    // A small read buffer, so the kernel's buffers fill and TCP pushes back on the server.
    const socket = new net.Socket({
      readableHighWaterMark: options.readBytesPerTick,
    } as net.SocketConstructorOpts);
    sockets.add(socket);
    socket.pause();
    socket.on("end", () => {
      completed++;
      socket.destroy();
    });
    socket.on("error", () => {
      errors++;
    });
    socket.on("close", () => {
      sockets.delete(socket);
      closed();
    });
    socket.connect(options.port, options.host, () => socket.write(request));
  }
  const ticker = setInterval(() => {
    for (const socket of sockets) {
      const available = socket.readableLength;
      const chunk: Buffer | null =
        available > 0 ? socket.read(Math.min(available, options.readBytesPerTick)) : null;
      if (chunk) bytesRead += chunk.length;
      else socket.read(0); // asks the socket to fill its (small) buffer from the kernel
    }
  }, options.tickMs);
  const stop = () => {
    for (const socket of sockets) socket.destroy();
  };
  const deadline = setTimeout(stop, options.maxMs);
  return { finished, stop };
}
