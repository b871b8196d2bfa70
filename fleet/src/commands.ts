import { fleetNames } from "./settings";

/**
 * Pure builders of the docker command lines the fleet runs (argv arrays, asserted on by unit tests);
 * exec.ts runs them.
 */

/**
 * The flags that let a container run its own dockerd on a machine where `--privileged` fails
 * (its capability bounding set lacks CAP_SYS_RESOURCE): every capability but that one, no
 * seccomp or AppArmor profile, the host's cgroups.
 */
export const DOCKER_IN_DOCKER_FLAGS = [
  "--cap-add",
  "ALL",
  "--cap-drop",
  "SYS_RESOURCE",
  "--security-opt",
  "seccomp=unconfined",
  "--security-opt",
  "apparmor=unconfined",
  "--security-opt",
  "systempaths=unconfined",
  "--volume",
  "/sys/fs/cgroup:/sys/fs/cgroup:rw",
  "--cgroupns",
  "host",
];

const LABEL = "berth.fleet";

/** `docker run` for one long-lived fleet container: detached, on the fleet network, labelled, restarting. */
function fleetContainerRunArgs(prefix: string, name: string): string[] {
  return [
    "run",
    "--detach",
    "--name",
    name,
    "--network",
    fleetNames(prefix).network,
    "--label",
    `${LABEL}=${prefix}`,
    "--restart",
    "unless-stopped",
  ];
}

export function networkCreateArgs(prefix: string): string[] {
  const names = fleetNames(prefix);
  return ["network", "create", "--label", `${LABEL}=${prefix}`, names.network];
}

/** A simulated EC2 host: dockerd + sshd, SSH published on a random 127.0.0.1 port. */
export function hostRunArgs(prefix: string, index: number, authorizedKey: string): string[] {
  const names = fleetNames(prefix);
  return [
    ...fleetContainerRunArgs(prefix, names.host(index)),
    "--hostname",
    `host-${index}`,
    ...DOCKER_IN_DOCKER_FLAGS,
    "--volume",
    `${names.hostVolume(index)}:/var/lib/docker`,
    "--publish",
    "127.0.0.1::22",
    "--env",
    `BERTH_AUTHORIZED_KEY=${authorizedKey}`,
    "--env",
    `BERTH_FLEET_REGISTRY=${names.registryServer} ${names.prodRegistryServer}`,
    names.hostImage,
  ];
}

/**
 * A registry (Debian's docker-registry, htpasswd auth), published on a random 127.0.0.1 port for
 * pushes: the fleet's own ("build", staging's part) or the prod registry.
 */
export function registryRunArgs(
  prefix: string,
  configDir: string,
  which: "build" | "prod" = "build",
): string[] {
  const names = fleetNames(prefix);
  const [container, volume] =
    which === "prod"
      ? [names.prodRegistry, names.prodRegistryVolume]
      : [names.registry, names.registryVolume];
  return [
    ...fleetContainerRunArgs(prefix, container),
    "--volume",
    `${volume}:/var/lib/docker-registry`,
    "--volume",
    `${configDir}:/etc/berth-registry:ro`,
    "--publish",
    "127.0.0.1::5000",
    names.servicesImage,
    "docker-registry",
    "serve",
    "/etc/berth-registry/config.yml",
  ];
}

/**
 * The fleet's PostgreSQL 15 (Debian's), on the fleet network only (nothing published): its data on
 * a named volume, its password as a read-only file from the state directory, never in env or argv.
 */
export function postgresRunArgs(prefix: string, passwordFile: string): string[] {
  const names = fleetNames(prefix);
  return [
    ...fleetContainerRunArgs(prefix, names.postgres),
    "--volume",
    `${names.postgresVolume}:/var/lib/postgresql/data`,
    "--volume",
    `${passwordFile}:/run/berth/postgres-password:ro`,
    names.postgresImage,
  ];
}

/** The load balancer (HAProxy) on 127.0.0.1:lbPort, health-checking every host's nginx. */
export function lbRunArgs(prefix: string, lbPort: number, configDir: string): string[] {
  const names = fleetNames(prefix);
  return [
    ...fleetContainerRunArgs(prefix, names.lb),
    "--volume",
    `${configDir}:/etc/berth-lb:ro`,
    "--publish",
    `127.0.0.1:${lbPort}:8080`,
    names.servicesImage,
    "haproxy",
    "-db",
    "-f",
    "/etc/berth-lb/haproxy.cfg",
  ];
}

/** Blocks (or unblocks) SSH into a host from inside it, leaving HTTP alone: "unreachable" for deploys. */
export function blockSshArgs(prefix: string, index: number, block: boolean): string[] {
  return [
    "exec",
    fleetNames(prefix).host(index),
    "iptables",
    block ? "-I" : "-D",
    "INPUT",
    "-p",
    "tcp",
    "--dport",
    "22",
    "-j",
    "DROP",
  ];
}
