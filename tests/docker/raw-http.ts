/**
 * Raw HTTP/1.x over TCP, for requests no HTTP client would send: the bytes go out as given and
 * whatever comes back is read as is. Every exchange is bounded by `timeoutMs`.
 */
import { Socket } from "node:net";

export interface RawAnswer {
  /** The status of the first final (non-1xx) response, or null when none arrived. */
  status: number | null;
  /** Everything the server sent, decoded as latin1. */
  text: string;
  /** How the exchange ended: a whole response read, the server closed or reset, or we gave up. */
  end: "answered" | "closed" | "reset" | "timeout";
}

export interface RawOptions {
  timeoutMs: number;
  /** Sent after `bytes`, one byte every `trickleMs`, while the connection is open. */
  trickle?: Buffer;
  trickleMs?: number;
}

/** The first final response's status, and whether all of it (by Content-Length or chunks) is in. */
function finalResponse(text: string): { status: number; complete: boolean } | null {
  let rest = text;
  for (;;) {
    const headEnd = rest.indexOf("\r\n\r\n");
    const status = Number(/^HTTP\/\d\.\d (\d{3})/.exec(rest)?.[1]);
    if (!status) return null;
    if (headEnd < 0) return { status, complete: false };
    const head = rest.slice(0, headEnd);
    rest = rest.slice(headEnd + 4);
    if (status >= 200) {
      const length = /\r\ncontent-length: *(\d+)/i.exec(head)?.[1];
      const chunked = /\r\ntransfer-encoding: *chunked/i.test(head);
      const complete = chunked ? rest.endsWith("0\r\n\r\n") : rest.length >= Number(length);
      return { status, complete };
    }
  }
}

export function sendRaw(address: string, bytes: Buffer, options: RawOptions): Promise<RawAnswer> {
  const [host = "127.0.0.1", port] = address.split(":");
  return new Promise((resolve) => {
    const socket = new Socket();
    let text = "";
    let trickleTimer: NodeJS.Timeout | undefined;
    let done = false;
    const finish = (end: RawAnswer["end"]) => {
      if (done) return;
      done = true;
      clearInterval(trickleTimer);
      clearTimeout(deadline);
      socket.destroy();
      const status = finalResponse(text)?.status ?? null;
      resolve({ status, text, end });
    };
    const deadline = setTimeout(() => finish("timeout"), options.timeoutMs);
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("latin1");
      if (finalResponse(text)?.complete) finish("answered");
    });
    socket.on("error", () => finish("reset"));
    socket.on("close", () => finish("closed"));
    socket.connect(Number(port), host, () => {
      socket.write(bytes);
      const trickle = options.trickle;
      if (!trickle) return;
      let sent = 0;
      trickleTimer = setInterval(() => {
        if (sent < trickle.length && socket.writable) socket.write(trickle.subarray(sent, ++sent));
        else clearInterval(trickleTimer);
      }, options.trickleMs ?? 100);
    });
  });
}
