import { healthCheckFor } from "../../infra/src/healthCheck";

/**
 * HAProxy's config for the local fleet's load balancer, standing in for the ALB: active health
 * checks of each host's nginx, retries of connection failures on another host, and no reuse of
 * server connections that nginx may be closing during a graceful reload. Checks run every second
 * (faster than the ALB's, so tests see a dead host leave quickly), but a check waits as long as
 * the ALB's does: a host that answers slowly because the 2 cores it shares are busy is slow, not
 * down.
 */
export function renderHaproxyConfig(hostNames: string[], healthPath: string): string {
  const servers = hostNames
    .map((name) => `  server ${name} ${name}:80 check resolvers docker init-addr none`)
    .join("\n");
  return `global
  maxconn 2048

defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  retries 3
  option redispatch 1
  retry-on all-retryable-errors
  option http-server-close

resolvers docker
  nameserver dns 127.0.0.11:53
  hold valid 1s

frontend web
  bind :8080
  default_backend hosts

backend hosts
  balance roundrobin
  option httpchk GET ${healthPath}
  http-check expect status 200
  timeout check ${healthCheckFor(healthPath).timeout}s
  default-server inter 1s fall 2 rise 2
${servers}
`;
}

/** docker-registry's config: filesystem storage, htpasswd auth (like ECR, nothing anonymous). */
export function renderRegistryConfig(): string {
  return `version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: /var/lib/docker-registry
  delete:
    enabled: true
http:
  addr: :5000
auth:
  htpasswd:
    realm: berth-fleet
    path: /etc/berth-registry/htpasswd
`;
}
