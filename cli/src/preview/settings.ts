/**
 * The settings worth showing per resource type: what a reviewer checks in a preview (sizes,
 * ports, exposure, encryption, health checks), never whole inputs, which can hold secrets
 * (user data, SSH keys, the release's stdin).
 */
type Props = Record<string, unknown>;
export type Settings = Record<string, string | number | boolean | null>;

function get(props: Props, path: string): unknown {
  return path.split(".").reduce<unknown>((value, key) => {
    if (value === null || value === undefined) return undefined;
    if (Array.isArray(value)) return value[Number(key)];
    return (value as Props)[key];
  }, props);
}

function pick(props: Props, paths: Record<string, string>): Settings {
  const out: Settings = {};
  for (const [label, path] of Object.entries(paths)) {
    const value = get(props, path);
    if (value === undefined) continue;
    out[label] =
      typeof value === "string" ||
      typeof value === "number" ||
      typeof value === "boolean" ||
      value === null
        ? value
        : JSON.stringify(value);
  }
  return out;
}

const PICKERS: Record<string, (props: Props) => Settings> = {
  "aws:ec2/vpc:Vpc": (p) => pick(p, { cidr: "cidrBlock" }),
  "aws:ec2/subnet:Subnet": (p) =>
    pick(p, {
      cidr: "cidrBlock",
      zone: "availabilityZone",
      publicIpOnLaunch: "mapPublicIpOnLaunch",
    }),
  "aws:ec2/natGateway:NatGateway": (p) => pick(p, { connectivity: "connectivityType" }),
  "aws:ec2/vpcEndpoint:VpcEndpoint": (p) =>
    pick(p, { service: "serviceName", kind: "vpcEndpointType" }),
  "aws:ec2/instance:Instance": (p) =>
    pick(p, {
      instanceType: "instanceType",
      zone: "availabilityZone",
      publicIp: "associatePublicIpAddress",
      imds: "metadataOptions.httpTokens",
      rootVolume: "rootBlockDevice.volumeType",
      rootGiB: "rootBlockDevice.volumeSize",
      encrypted: "rootBlockDevice.encrypted",
    }),
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": (p) => ({
    ...pick(p, { protocol: "ipProtocol", from: "fromPort", to: "toPort", cidr: "cidrIpv4" }),
    ...(p.referencedSecurityGroupId !== undefined ? { source: "security group" } : {}),
  }),
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": (p) => ({
    ...pick(p, { protocol: "ipProtocol", from: "fromPort", to: "toPort", cidr: "cidrIpv4" }),
    ...(p.referencedSecurityGroupId !== undefined ? { destination: "security group" } : {}),
  }),
  "aws:lb/loadBalancer:LoadBalancer": (p) =>
    pick(p, {
      internal: "internal",
      dropInvalidHeaders: "dropInvalidHeaderFields",
      deletionProtection: "enableDeletionProtection",
      idleTimeout: "idleTimeout",
      accessLogs: "accessLogs.enabled",
    }),
  "aws:lb/listener:Listener": (p) =>
    pick(p, {
      port: "port",
      protocol: "protocol",
      tlsPolicy: "sslPolicy",
      action: "defaultActions.0.type",
    }),
  "aws:lb/targetGroup:TargetGroup": (p) =>
    pick(p, {
      port: "port",
      healthPath: "healthCheck.path",
      interval: "healthCheck.interval",
      healthy: "healthCheck.healthyThreshold",
      unhealthy: "healthCheck.unhealthyThreshold",
      deregistrationDelay: "deregistrationDelay",
    }),
  "aws:ecr/repository:Repository": (p) =>
    pick(p, {
      tags: "imageTagMutability",
      scanOnPush: "imageScanningConfiguration.scanOnPush",
      encryption: "encryptionConfigurations.0.encryptionType",
    }),
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": (p) => pick(p, { policy: "policyArn" }),
  "docker:index/image:Image": (p) =>
    pick(p, { context: "build.context", platform: "build.platform" }),
  "command:remote:Command": (p) => ({
    ...pick(p, { user: "connection.user", logging: "logging" }),
    runs: /berth-agent deploy/.test(String(p.create ?? ""))
      ? "berth-agent deploy"
      : "install berth-agent",
  }),
};

/** The settings shown for one resource; none for types without a picker. */
export function keySettings(type: string, props: Props): Settings {
  const picker = PICKERS[type];
  return picker ? picker(props) : {};
}
