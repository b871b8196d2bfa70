/**
 * Hostile and malformed HTTP/1.x requests, as raw bytes, with the answer each one must get:
 *   app:   sent straight to the app container's port: the status.
 *   nginx: sent to nginx's published port: who answers ("nginx" itself, or the "app" it passed
 *          the request to) and the status, or "closed". Where nginx turns a malformed request into
 *          a well-formed one, `nginxRewrites` says how, and the app answers it like any other.
 * Strings are bytes (latin1). `trickle` bytes follow `bytes` one at a time, 100 ms apart.
 */

export type Category =
  | "request target"
  | "absolute and authority form"
  | "huge and repeated headers"
  | "method"
  | "version"
  | "framing"
  | "line endings"
  | "NUL bytes"
  | "slow headers"
  | "oversized body";

export type NginxAnswer = `${"nginx" | "app"} ${number}` | "closed";

export interface HostileRequest {
  name: string;
  category: Category;
  bytes: string;
  trickle?: string;
  app: number;
  nginx: NginxAnswer;
  /** Why the app, behind nginx, gets a well-formed request and answers it normally. */
  nginxRewrites?: string;
}

/** The lines of a request head, each CRLF-terminated, then the empty line. */
const head = (...lines: string[]) => lines.map((line) => `${line}\r\n`).join("") + "\r\n";
const HOST = "Host: hostile.test";
/** GET `target` with a Host header and these extra header lines. */
const get = (target: string, ...headers: string[]) =>
  head(`GET ${target} HTTP/1.1`, HOST, ...headers);
const post = (target: string, ...headers: string[]) =>
  head(`POST ${target} HTTP/1.1`, HOST, ...headers);
/** `count` header lines `X-Filler-N: aaa...` of `bytes` bytes each (CRLF included). */
const fillers = (count: number, bytes: number) =>
  Array.from({ length: count }, (_, i) => {
    const name = `X-Filler-${i}: `;
    return name + "a".repeat(bytes - name.length - 2);
  });
const MiB = 1024 * 1024;

export const HOSTILE_REQUESTS: HostileRequest[] = [
  // --- Request targets ------------------------------------------------------------------------
  {
    name: "//a:b, the target from the issue",
    category: "request target",
    bytes: get("//a:b"),
    app: 404,
    nginx: "app 404",
  },
  {
    name: "//host-like/path",
    category: "request target",
    bytes: get("//evil.example/x"),
    app: 404,
    nginx: "app 404",
  },
  {
    name: "//:99999 (a port out of range)",
    category: "request target",
    bytes: get("//:99999/"),
    app: 404,
    nginx: "app 404",
  },
  {
    name: "//[::1 (an unclosed IPv6 literal)",
    category: "request target",
    bytes: get("//[::1"),
    app: 404,
    nginx: "app 404",
  },
  {
    name: "//%zz (a bad escape where a host would be)",
    category: "request target",
    bytes: get("//%zz/"),
    app: 404,
    nginx: "nginx 400",
  },
  {
    name: "/.. above the root",
    category: "request target",
    bytes: get("/../../etc/passwd"),
    app: 404,
    nginx: "nginx 400",
  },
  {
    name: "encoded ../ above the root",
    category: "request target",
    bytes: get("/..%2f..%2fetc%2fpasswd"),
    app: 404,
    nginx: "nginx 400",
  },
  {
    name: "a stray % at the end",
    category: "request target",
    bytes: get("/version%"),
    app: 404,
    nginx: "nginx 400",
  },
  {
    name: "a fragment in the target",
    category: "request target",
    bytes: get("/version#frag"),
    app: 400,
    nginx: "app 400",
  },
  {
    name: "a target without a leading slash",
    category: "request target",
    bytes: get("?x=1"),
    app: 400,
    nginx: "nginx 400",
  },
  {
    name: "no target at all",
    category: "request target",
    bytes: head("GET  HTTP/1.1", HOST),
    app: 400,
    nginx: "nginx 400",
  },
  {
    name: "a 9 KiB target",
    category: "request target",
    bytes: get(`/${"a".repeat(9 * 1024)}`),
    app: 404,
    nginx: "nginx 414",
  },
  {
    name: "a 20 KiB target",
    category: "request target",
    bytes: get(`/${"a".repeat(20 * 1024)}`),
    app: 431,
    nginx: "nginx 414",
  },

  // --- Absolute form, authority form, asterisk form --------------------------------------------
  {
    name: "absolute form http://host/path",
    category: "absolute and authority form",
    bytes: get("http://evil.example/version"),
    app: 400,
    nginx: "app 200",
    nginxRewrites:
      "servers must accept absolute form (RFC 9112 3.2.2); nginx sends the app /version",
  },
  {
    name: "absolute form with userinfo",
    category: "absolute and authority form",
    bytes: get("http://user:pw@evil.example/"),
    app: 400,
    nginx: "nginx 400",
  },
  {
    name: "absolute form with a bad port",
    category: "absolute and authority form",
    bytes: get("http://a:b/"),
    app: 400,
    nginx: "nginx 400",
  },
  {
    name: "authority form with GET",
    category: "absolute and authority form",
    bytes: get("evil.example:443"),
    app: 400,
    nginx: "nginx 400",
  },
  {
    name: "CONNECT host:port",
    category: "absolute and authority form",
    bytes: head("CONNECT evil.example:443 HTTP/1.1", "Host: evil.example:443"),
    app: 400,
    nginx: "nginx 400",
  },
  {
    name: "asterisk form with GET",
    category: "absolute and authority form",
    bytes: get("*"),
    app: 400,
    nginx: "nginx 400",
  },

  // --- Huge and repeated headers ---------------------------------------------------------------
  {
    name: "one 20 KiB header",
    category: "huge and repeated headers",
    bytes: get("/", ...fillers(1, 20 * 1024)),
    app: 431,
    nginx: "nginx 400",
  },
  {
    name: "24 KiB of headers in 6 KiB lines (nginx takes them, the app does not)",
    category: "huge and repeated headers",
    bytes: get("/", ...fillers(4, 6 * 1024)),
    app: 431,
    nginx: "app 431",
  },
  {
    name: "40 KiB of headers in 6 KiB lines",
    category: "huge and repeated headers",
    bytes: get("/", ...fillers(7, 6 * 1024)),
    app: 431,
    nginx: "nginx 400",
  },
  {
    name: "2400 small repeated headers",
    category: "huge and repeated headers",
    bytes: get("/", ...Array.from({ length: 2400 }, () => "X-Again: 1")),
    app: 431,
    nginx: "nginx 400",
  },
  {
    name: "two Host headers",
    category: "huge and repeated headers",
    bytes: get("/", "Host: other.example"),
    app: 400,
    nginx: "nginx 400",
  },
  {
    name: "a Host with a slash",
    category: "huge and repeated headers",
    bytes: head("GET / HTTP/1.1", "Host: evil.example/x"),
    app: 400,
    nginx: "nginx 400",
  },
  {
    name: "HTTP/1.1 without Host",
    category: "huge and repeated headers",
    bytes: head("GET / HTTP/1.1"),
    app: 400,
    nginx: "nginx 400",
  },
  {
    name: "a header line without a colon",
    category: "huge and repeated headers",
    bytes: get("/", "X-No-Colon"),
    app: 400,
    nginx: "app 200",
    nginxRewrites: "ignore_invalid_headers (on by default) drops the line",
  },
  {
    name: "a space before the colon",
    category: "huge and repeated headers",
    bytes: get("/", "Content-Length : 0"),
    app: 400,
    nginx: "nginx 400",
  },

  // --- Methods ---------------------------------------------------------------------------------
  {
    name: "a lowercase method",
    category: "method",
    bytes: head("get / HTTP/1.1", HOST),
    app: 400,
    nginx: "nginx 400",
  },
  {
    name: "an unknown method",
    category: "method",
    bytes: head("BREW / HTTP/1.1", HOST),
    app: 400,
    nginx: "app 400",
  },
  {
    name: "a method with a non-token character",
    category: "method",
    bytes: head("G@T / HTTP/1.1", HOST),
    app: 400,
    nginx: "nginx 400",
  },
  {
    name: "a 5000-byte method",
    category: "method",
    bytes: head(`${"A".repeat(5000)} / HTTP/1.1`, HOST),
    app: 400,
    nginx: "app 400",
  },
  {
    name: "no method",
    category: "method",
    bytes: head(" / HTTP/1.1", HOST),
    app: 400,
    nginx: "nginx 400",
  },
  {
    name: "TRACE",
    category: "method",
    bytes: head("TRACE / HTTP/1.1", HOST),
    app: 405,
    nginx: "nginx 405",
  },

  // --- Versions --------------------------------------------------------------------------------
  {
    name: "HTTP/3.0",
    category: "version",
    bytes: head("GET / HTTP/3.0", HOST),
    app: 400,
    nginx: "nginx 505",
  },
  {
    name: "HTTP/1.10",
    category: "version",
    bytes: head("GET / HTTP/1.10", HOST),
    app: 400,
    nginx: "app 200",
    nginxRewrites: "nginx reads any HTTP/1.x and speaks HTTP/1.1 to the app",
  },
  {
    name: "lowercase http/1.1",
    category: "version",
    bytes: head("GET / http/1.1", HOST),
    app: 400,
    nginx: "nginx 400",
  },
  {
    name: "HTTPS/1.1",
    category: "version",
    bytes: head("GET / HTTPS/1.1", HOST),
    app: 400,
    nginx: "nginx 400",
  },
  {
    name: "a version with trailing garbage",
    category: "version",
    bytes: head("GET / HTTP/1.1 extra", HOST),
    app: 400,
    nginx: "nginx 400",
  },

  // --- Framing: Content-Length and Transfer-Encoding -------------------------------------------
  {
    name: "Content-Length and Transfer-Encoding (CL.TE smuggling)",
    category: "framing",
    bytes: post("/echo", "Content-Length: 6", "Transfer-Encoding: chunked") + "0\r\n\r\nG",
    app: 400,
    nginx: "nginx 400",
  },
  {
    name: "Transfer-Encoding and Content-Length (TE.CL smuggling)",
    category: "framing",
    bytes:
      post("/echo", "Transfer-Encoding: chunked", "Content-Length: 3") +
      "8\r\nSMUGGLED\r\n0\r\n\r\n",
    app: 400,
    nginx: "nginx 400",
  },
  {
    name: "two equal Content-Lengths",
    category: "framing",
    bytes: post("/echo", "Content-Length: 2", "Content-Length: 2") + "hi",
    app: 400,
    nginx: "nginx 400",
  },
  {
    name: "two different Content-Lengths",
    category: "framing",
    bytes: post("/echo", "Content-Length: 2", "Content-Length: 5") + "hello",
    app: 400,
    nginx: "nginx 400",
  },
  {
    name: "a negative Content-Length",
    category: "framing",
    bytes: post("/echo", "Content-Length: -1"),
    app: 400,
    nginx: "nginx 400",
  },
  {
    name: "a Content-Length list",
    category: "framing",
    bytes: post("/echo", "Content-Length: 2, 2") + "hi",
    app: 400,
    nginx: "nginx 400",
  },
  {
    name: "Transfer-Encoding not ending in chunked",
    category: "framing",
    bytes: post("/echo", "Transfer-Encoding: chunked, identity") + "2\r\nhi\r\n0\r\n\r\n",
    app: 400,
    nginx: "nginx 501",
  },
  {
    name: "an obfuscated Transfer-Encoding",
    category: "framing",
    bytes: post("/echo", "Transfer-Encoding: xchunked") + "2\r\nhi\r\n0\r\n\r\n",
    app: 400,
    nginx: "nginx 501",
  },
  {
    name: "a chunk size that is not hex",
    category: "framing",
    bytes: post("/echo", "Transfer-Encoding: chunked") + "zz\r\nhi\r\n0\r\n\r\n",
    app: 400,
    nginx: "nginx 400",
  },
  {
    name: "a chunk size that overflows 64 bits",
    category: "framing",
    bytes: post("/echo", "Transfer-Encoding: chunked") + "1ffffffffffffffff\r\nhi\r\n0\r\n\r\n",
    app: 400,
    nginx: "nginx 400",
  },
  {
    name: "20 KiB of chunk extensions",
    category: "framing",
    bytes:
      post("/echo", "Transfer-Encoding: chunked") + `2;${"x".repeat(20 * 1024)}\r\nhi\r\n0\r\n\r\n`,
    app: 413,
    nginx: "app 200",
    nginxRewrites: "nginx reads the whole body and sends it on with a Content-Length",
  },

  // --- Line endings ----------------------------------------------------------------------------
  {
    name: "an obs-fold continuation line",
    category: "line endings",
    bytes: get("/", "X-Folded: a", " b"),
    app: 400,
    nginx: "nginx 400",
  },
  {
    name: "a bare CR inside a header value",
    category: "line endings",
    bytes: get("/", "X-Cr: a\rb"),
    app: 400,
    nginx: "nginx 400",
  },
  {
    name: "bare LF line endings",
    category: "line endings",
    bytes: `GET / HTTP/1.1\n${HOST}\n\n`,
    app: 400,
    nginx: "app 200",
    nginxRewrites: "RFC 9112 lets a recipient take a bare LF as a line end; nginx does",
  },
  {
    name: "bare CR line endings",
    category: "line endings",
    bytes: `GET / HTTP/1.1\r${HOST}\r\r`,
    app: 400,
    nginx: "nginx 400",
  },

  // --- NUL bytes -------------------------------------------------------------------------------
  {
    name: "a NUL in the target",
    category: "NUL bytes",
    bytes: get("/a\0b"),
    app: 400,
    nginx: "nginx 400",
  },
  {
    name: "a percent-encoded NUL in the target",
    category: "NUL bytes",
    bytes: get("/version%00.json"),
    app: 404,
    nginx: "nginx 400",
  },
  {
    name: "a NUL in a header value",
    category: "NUL bytes",
    bytes: get("/", "X-Nul: a\0b"),
    app: 400,
    nginx: "nginx 400",
  },
  {
    name: "a NUL in a header name",
    category: "NUL bytes",
    bytes: get("/", "X-\0Nul: a"),
    app: 400,
    nginx: "nginx 400",
  },
  {
    name: "NULs before the request line",
    category: "NUL bytes",
    bytes: `\0\0\0${get("/")}`,
    app: 400,
    nginx: "nginx 400",
  },

  // --- Slow headers (slowloris) ----------------------------------------------------------------
  {
    name: "a header trickled a byte at a time, never finished",
    category: "slow headers",
    bytes: head("GET / HTTP/1.1", HOST).slice(0, -2),
    trickle: `X-Slow: ${"a".repeat(250)}`,
    app: 408,
    nginx: "closed",
  },
  {
    name: "a request line, then silence",
    category: "slow headers",
    bytes: "GET / HTTP/1.1\r\n",
    app: 408,
    nginx: "closed",
  },

  // --- Oversized bodies ------------------------------------------------------------------------
  {
    name: "a declared 9 MiB body, not sent",
    category: "oversized body",
    bytes: post("/echo", `Content-Length: ${9 * MiB}`) + "just the start",
    app: 413,
    nginx: "nginx 413",
  },
  {
    name: "a declared 9 MiB body on a route that reads none",
    category: "oversized body",
    bytes: get("/", `Content-Length: ${9 * MiB}`),
    app: 413,
    nginx: "nginx 413",
  },
  {
    name: "a Content-Length past 2^64",
    category: "oversized body",
    bytes: post("/echo", "Content-Length: 99999999999999999999999") + "hi",
    app: 400,
    nginx: "nginx 400",
  },
  {
    name: "a 9 MiB chunked body, sent",
    category: "oversized body",
    bytes:
      post("/echo", "Transfer-Encoding: chunked") +
      `${MiB.toString(16)}\r\n${"x".repeat(MiB)}\r\n`.repeat(9) +
      "0\r\n\r\n",
    app: 413,
    nginx: "nginx 413",
  },
];
