import { healthCheckFor } from "../../infra/src/healthCheck";

/**
 * HAProxy's config for the local fleet's load balancer, standing in for the ALB: active health
 * checks of each host's nginx, retries of connection failures on another host, and no reuse of
 * server connections that nginx may be closing during a graceful reload. Checks run every second
 * (so a host joins quickly), but a check waits as long as the ALB's does, and a host leaves only
 * after failing for as long as the ALB needs to take it out (unhealthy threshold x interval):
 * a host that answers slowly because the 2 cores all the hosts share are busy (three hosts
 * rolling back at once) is slow, not down. A host that is really down costs nothing meanwhile:
 * its requests are retried on another host. Only abnormal requests (errors, retries, redispatches)
 * are logged, to the container's output: a test that saw a non-2xx can show which host and why.
 */
export function renderHaproxyConfig(hostNames: string[], healthPath: string): string {
  const check = healthCheckFor(healthPath);
  const servers = hostNames
    .map((name) => `  server ${name} ${name}:80 check resolvers docker init-addr none`)
    .join("\n");
  return `global
  maxconn 2048
  log stdout format raw local0

defaults
  mode http
  log global
  option httplog
  option dontlog-normal
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
  timeout check ${check.timeout}s
  default-server inter 1s fall ${check.unhealthyThreshold * check.interval} rise 2
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
