/**
 * The image's HEALTHCHECK: `node dist/healthcheck.js` exits 0 when GET /healthz on this
 * container's PORT answers 200 within 2 s, else 1. Node itself, so the image needs no curl.
 */
import { get } from "node:http";

const port = Number(process.env.PORT ?? "3000");
const request = get({ host: "127.0.0.1", port, path: "/healthz", timeout: 2000 }, (res) => {
  res.resume();
  process.exit(res.statusCode === 200 ? 0 : 1);
});
request.on("timeout", () => request.destroy(new Error("timeout")));
request.on("error", () => process.exit(1));
