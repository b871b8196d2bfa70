/**
 * The floor of one host's deploy: pulling the release's changed layers and booting its web
 * container to healthy, and nothing else. Measured on the host itself (through its engine, like an
 * operator's shell), with health polled every 50 ms; then the container and the image are removed
 * again, so that the real rollout pulls the same layers.
 */
import { type ReleaseSpec, networkName } from "../../infra/src/agent/contract";
import { docker } from "../../fleet/src/exec";
import type { FloorFigures } from "./results";

export const FLOOR_POLL_MS = 50;

/** The bash script run on the host (as root); prints one JSON line. Pure, so tests can read it. */
export function floorScript(options: {
  /** The agent's app network on the host (a docker network name: letters, digits, dashes). */
  spec: ReleaseSpec;
  registry: { server: string; username: string; password: string };
  network: string;
  container: string;
}): string {
  const { spec, registry } = options;
  const q = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;
  const env = Object.entries({
    ...spec.env,
    PORT: String(spec.web.port),
    APP_DIGEST: spec.image,
    APP_RELEASE: "floor",
  })
    .map(([k, v]) => `--env ${q(`${k}=${v}`)}`)
    .join(" ");
  return `set -euo pipefail
now() { date +%s%3N; }
healthy() {
  local ip
  ip=$(docker inspect --format "{{with index .NetworkSettings.Networks \\"${options.network}\\"}}{{.IPAddress}}{{end}}" ${q(options.container)})
  [ -n "$ip" ] || return 1
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1" && printf "GET %s HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n" "$2" >&3 && IFS=" " read -r _ code _ <&3 && [ "$code" = 200 ]' "$ip" ${spec.web.port} ${q(spec.web.healthPath)} 2>/dev/null
}
printf '%s' ${q(registry.password)} | docker login --username ${q(registry.username)} --password-stdin ${q(registry.server)} >/dev/null 2>&1
t0=$(now)
docker pull --quiet ${q(spec.image)} >/dev/null
t1=$(now)
docker logout ${q(registry.server)} >/dev/null 2>&1 || true
t2=$(now)
docker run --detach --name ${q(options.container)} --network ${q(options.network)} ${env} ${q(spec.image)} >/dev/null
deadline=$(( $(date +%s) + ${spec.timeouts.healthSeconds} ))
until healthy; do
  if [ "$(date +%s)" -ge "$deadline" ]; then docker rm -f ${q(options.container)} >/dev/null; echo '{"error":"not healthy in time"}'; exit 1; fi
  sleep ${FLOOR_POLL_MS / 1000}
done
t3=$(now)
docker rm -f ${q(options.container)} >/dev/null
docker image rm ${q(spec.image)} >/dev/null
printf '{"pullMs":%d,"bootToHealthyMs":%d}\\n' $((t1 - t0)) $((t3 - t2))
`;
}

export async function measureFloor(
  hostContainer: string,
  spec: ReleaseSpec,
  registry: { server: string; username: string; password: string },
): Promise<FloorFigures> {
  const network = networkName(spec.app, spec.stack);
  const container = `berth-bench-floor-${Date.now()}`;
  const script = floorScript({ spec, registry, network, container });
  const result = await docker(["exec", "-i", hostContainer, "bash", "-s"], {
    input: script,
    allowFail: true,
  });
  const line = result.stdout.trim().split("\n").pop() ?? "";
  if (result.code !== 0) {
    await docker(["exec", hostContainer, "docker", "rm", "-f", container], { allowFail: true });
    throw new Error(
      `floor measurement on ${hostContainer} failed: ${line} ${result.stderr.trim()}`,
    );
  }
  const parsed = JSON.parse(line) as { pullMs: number; bootToHealthyMs: number };
  return {
    pullMs: parsed.pullMs,
    bootToHealthyMs: parsed.bootToHealthyMs,
    totalMs: parsed.pullMs + parsed.bootToHealthyMs,
    pollIntervalMs: FLOOR_POLL_MS,
  };
}
