/**
 * Health check through nginx to the app's health path. 5 s apart with 2 checks either way: a
 * broken host leaves rotation in about 10 s and a new one joins in about 10 s (the defaults,
 * 30 s x 5, take 2.5 minutes). The local fleet's load balancer takes its check timeout from here.
 */
export function healthCheckFor(healthPath: string) {
  return {
    enabled: true,
    protocol: "HTTP",
    port: "traffic-port",
    path: healthPath,
    matcher: "200",
    interval: 5,
    timeout: 3,
    healthyThreshold: 2,
    unhealthyThreshold: 2,
  };
}
