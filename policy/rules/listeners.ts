import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { z } from "zod";
import { ruleConfig } from "../lib/config";
import { LISTENER_TYPES, ListenerProps, onListeners } from "../lib/elb";
import { fsbp } from "../lib/metadata";
import { read } from "../lib/stack";

const tlsConfig = ruleConfig("https-listener-modern-tls", {
  allowedSslPolicies: z
    .array(z.string().min(1))
    .min(1)
    .default([
      "ELBSecurityPolicy-TLS13-1-2-2021-06",
      "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
      "ELBSecurityPolicy-TLS13-1-3-2021-06",
      "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
      "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
      "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
      "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
      "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
      "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
      "ELBSecurityPolicy-FS-1-2-Res-2020-10",
    ])
    .describe("ELB security policies HTTPS/TLS listeners may use (TLS 1.2+ with forward secrecy)."),
});

export const httpsListenerModernTls: ResourceValidationPolicy = {
  name: "https-listener-modern-tls",
  description:
    "HTTPS and TLS listeners name a modern ELB security policy (TLS 1.2 or newer with forward secrecy, " +
    "from allowedSslPolicies) and a certificate; left unset, the API default still allows TLS 1.0 " +
    "(Security Hub FSBP ELB.17).",
  enforcementLevel: "mandatory",
  severity: "high",
  framework: fsbp(
    "ELB.17",
    "Application and Network Load Balancers with listeners should use recommended security policies",
  ),
  configSchema: tlsConfig.configSchema,
  remediationSteps: 'Set sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06" on the HTTPS listener.',
  validateResource: onListeners((listener, args, reportViolation) => {
    const protocol = (listener.protocol ?? "").toUpperCase();
    if (protocol !== "HTTPS" && protocol !== "TLS") args.notApplicable("not an HTTPS/TLS listener");
    const { allowedSslPolicies } = tlsConfig.read(args);
    if (!listener.sslPolicy || !allowedSslPolicies.includes(listener.sslPolicy)) {
      reportViolation(
        `sslPolicy ${JSON.stringify(listener.sslPolicy ?? "(unset: ELBSecurityPolicy-2016-08, allows TLS 1.0)")} ` +
          `is not one of [${allowedSslPolicies.join(", ")}].`,
      );
    }
    if (!listener.certificateArn) {
      reportViolation(`${protocol} listener has no certificateArn.`);
    }
  }),
};

function isRedirectToHttps(listener: ListenerProps): boolean {
  return (listener.defaultActions ?? []).some(
    (action) =>
      action.type === "redirect" && (action.redirect?.protocol ?? "").toUpperCase() === "HTTPS",
  );
}

/** Which load balancer a listener belongs to: its dependency's URN, else the ARN it names. */
function loadBalancerKey(listener: PolicyResource): string {
  const dependency = listener.propertyDependencies["loadBalancerArn"]?.[0];
  if (dependency) return dependency.urn;
  return String(read(listener, "loadBalancerArn") ?? "(unknown load balancer)");
}

function listenersOf(
  resources: PolicyResource[],
): { resource: PolicyResource; props: ListenerProps }[] {
  return resources
    .filter((r) => LISTENER_TYPES.some((type) => r.isType(type)))
    .map((resource) => ({ resource, props: resource.props as ListenerProps }));
}

export const httpRedirectsToHttps: StackValidationPolicy = {
  name: "alb-http-redirects-to-https",
  description:
    "When a load balancer has an HTTPS listener (a certificate is configured), every plain HTTP " +
    "listener on it only redirects to HTTPS, so no request or cookie travels in clear text " +
    "(Security Hub FSBP ELB.1).",
  enforcementLevel: "mandatory",
  severity: "high",
  framework: fsbp(
    "ELB.1",
    "Application Load Balancer should be configured to redirect all HTTP requests to HTTPS",
  ),
  remediationSteps:
    'Make the port-80 listener\'s default action { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }.',
  validateStack: (args, reportViolation) => {
    const listeners = listenersOf(args.resources);
    if (listeners.length === 0) args.notApplicable("no listeners in this stack");
    const byLoadBalancer = new Map<string, typeof listeners>();
    for (const listener of listeners) {
      const key = loadBalancerKey(listener.resource);
      byLoadBalancer.set(key, [...(byLoadBalancer.get(key) ?? []), listener]);
    }
    for (const group of byLoadBalancer.values()) {
      const hasHttps = group.some((l) => (l.props.protocol ?? "").toUpperCase() === "HTTPS");
      if (!hasHttps) continue;
      for (const listener of group) {
        const protocol = (listener.props.protocol ?? "HTTP").toUpperCase();
        if (protocol === "HTTP" && !isRedirectToHttps(listener.props)) {
          reportViolation(
            `HTTP listener "${listener.resource.name}" (port ${listener.props.port ?? "?"}) serves plain HTTP although the load balancer has an HTTPS listener; make it redirect to HTTPS.`,
            listener.resource.urn,
          );
        }
      }
    }
  },
};
