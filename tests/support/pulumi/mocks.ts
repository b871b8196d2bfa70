import { createHash, createPrivateKey, createPublicKey } from "node:crypto";
import { pulumi } from "./sdk";
import { unwrapSecrets } from "./secrets";

/** The account id every mocked ARN and registry uses. */
export const MOCK_ACCOUNT_ID = "123456789012";

/** AMI ids the mocked SSM parameter returns, per architecture. */
export const MOCK_AMIS = { x86_64: "ami-0a1b2c3d4e5f67890", arm64: "ami-0f9e8d7c6b5a43210" };

/** The password the mocked ECR token carries: tests assert it never reaches a host. */
export const MOCK_ECR_PASSWORD = "mock-ecr-token-password-3c9f1e";

/** The regions whose ELB account the provider knows (the test machine's copy of its table). */
const MOCK_ELB_ACCOUNT_REGIONS = new Set([
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
  "af-south-1",
  "ap-east-1",
  "ap-south-1",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
  "ap-southeast-1",
  "ap-southeast-2",
  "ca-central-1",
  "eu-central-1",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "eu-south-1",
  "eu-north-1",
  "me-south-1",
  "sa-east-1",
  "us-gov-west-1",
  "us-gov-east-1",
  "cn-north-1",
  "cn-northwest-1",
]);

/** Deterministic hex from a seed: the same program run gives the same ids. */
export function fakeHex(seed: string, length: number): string {
  let out = "";
  for (let i = 0; out.length < length; i++)
    out += createHash("sha256").update(`${seed}#${i}`).digest("hex");
  return out.slice(0, length);
}

/** The network address and size of an IPv4 CIDR. */
function cidrRange(cidr: string): { base: number; size: number } | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!m) return undefined;
  const base = m.slice(1, 5).reduce((acc, o) => acc * 256 + Number(o), 0);
  return { base, size: 2 ** (32 - Number(m[5])) };
}

function ip(value: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(value / 2 ** s) % 256).join(".");
}

const sshString = (data: Buffer | string): Buffer => {
  const bytes = typeof data === "string" ? Buffer.from(data) : data;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
};

/**
 * An ed25519 key pair from a 32-byte seed, as `tls.PrivateKey` outputs it: the private key in
 * OpenSSH's format (unencrypted) and the public key line `ssh-ed25519 AAAA...`.
 */
export function ed25519FromSeed(seed: Buffer): {
  privateKeyOpenssh: string;
  publicKeyOpenssh: string;
} {
  const pkcs8 = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed]);
  const privateKey = createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" });
  const jwk = createPublicKey(privateKey).export({ format: "jwk" });
  const publicBytes = Buffer.from(jwk.x ?? "", "base64url");
  const publicBlob = Buffer.concat([sshString("ssh-ed25519"), sshString(publicBytes)]);
  const check = Buffer.alloc(4);
  check.writeUInt32BE(seed.readUInt32BE(0));
  let secret = Buffer.concat([
    check,
    check,
    sshString("ssh-ed25519"),
    sshString(publicBytes),
    sshString(Buffer.concat([seed, publicBytes])),
    sshString(""),
  ]);
  for (let pad = 1; secret.length % 8 !== 0; pad++)
    secret = Buffer.concat([secret, Buffer.from([pad])]);
  const body = Buffer.concat([
    Buffer.from("openssh-key-v1\0"),
    sshString("none"),
    sshString("none"),
    sshString(""),
    Buffer.from([0, 0, 0, 1]),
    sshString(publicBlob),
    sshString(secret),
  ]);
  const base64 = body.toString("base64").replace(/(.{70})/g, "$1\n");
  return {
    privateKeyOpenssh: `-----BEGIN OPENSSH PRIVATE KEY-----\n${base64.trim()}\n-----END OPENSSH PRIVATE KEY-----\n`,
    publicKeyOpenssh: `ssh-ed25519 ${publicBlob.toString("base64")}`,
  };
}

/** Pulumi's auto-naming: logical name + 7 random characters (deterministic here). */
function autoName(name: string): string {
  return `${name}-${fakeHex(name, 7)}`;
}

/**
 * Mocks that answer like AWS, Docker and the command provider would: realistic ids, ARNs,
 * addresses inside their subnet, a repoDigest of the right shape and an agent summary line.
 * Everything is derived from names, so two identical runs produce identical values.
 */
export class AwsLikeMocks implements pulumi.runtime.Mocks {
  /** Invokes the program made, in order. */
  public readonly calls: { token: string; inputs: Record<string, unknown> }[] = [];
  private readonly subnetCidrs = new Map<string, string>();
  private readonly hostsPerSubnet = new Map<string, number>();

  /** `registryServer`: where the repositories live, when not in ECR (the local fleet's registry). */
  constructor(
    private readonly region: string,
    private readonly registryServer?: string,
  ) {}

  call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
    this.calls.push({ token: args.token, inputs: args.inputs });
    switch (args.token) {
      case "aws:ssm/getParameter:getParameter": {
        const name = String(args.inputs.name);
        const arch = name.endsWith("arm64") ? "arm64" : "x86_64";
        return {
          id: name,
          name,
          arn: `arn:aws:ssm:${this.region}::parameter${name}`,
          type: "String",
          value: MOCK_AMIS[arch],
          insecureValue: MOCK_AMIS[arch],
          version: 117,
          withDecryption: true,
        };
      }
      case "aws:ecr/getAuthorizationToken:getAuthorizationToken": {
        const registryId = String(args.inputs.registryId ?? MOCK_ACCOUNT_ID);
        return {
          id: this.region,
          registryId,
          userName: "AWS",
          password: MOCK_ECR_PASSWORD,
          authorizationToken: Buffer.from(`AWS:${MOCK_ECR_PASSWORD}`).toString("base64"),
          proxyEndpoint: `https://${registryId}.dkr.ecr.${this.region}.amazonaws.com`,
          expiresAt: "2026-11-26T23:00:00Z",
        };
      }
      case "aws:index/getCallerIdentity:getCallerIdentity":
        return {
          id: MOCK_ACCOUNT_ID,
          accountId: MOCK_ACCOUNT_ID,
          arn: `arn:aws:sts::${MOCK_ACCOUNT_ID}:assumed-role/berth-deploy/ci`,
          userId: "AROAEXAMPLEID:ci",
        };
      case "aws:elb/getServiceAccount:getServiceAccount": {
        // Like the provider: only regions opened before ap-southeast-3 (Jakarta, December 2021)
        // have an ELB account; newer ones fail, and a bucket policy must name the service instead.
        const region = String(args.inputs.region ?? this.region);
        if (!MOCK_ELB_ACCOUNT_REGIONS.has(region)) {
          const error = new Error(
            `no ELB service account for region "${region}": use the logdelivery.elasticloadbalancing.amazonaws.com principal`,
          );
          Object.assign(error, { details: error.message });
          throw error;
        }
        // The regional ELB account of eu-west-1 (every older region has its own).
        return { id: "156460612806", arn: "arn:aws:iam::156460612806:root" };
      }
      case "aws:index/getPartition:getPartition": {
        const partition = this.region.startsWith("us-gov-")
          ? "aws-us-gov"
          : this.region.startsWith("cn-")
            ? "aws-cn"
            : "aws";
        return {
          id: partition,
          partition,
          dnsSuffix: partition === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com",
          reverseDnsPrefix: partition === "aws-cn" ? "cn.com.amazonaws" : "com.amazonaws",
        };
      }
      case "aws:route53/getZone:getZone": {
        // Every public zone the tests name exists in the mocked account; its id derives from its name.
        const name = String(args.inputs.name).replace(/\.$/, "");
        const zoneId = `Z${fakeHex(`zone/${name}`, 20).toUpperCase()}`;
        return {
          id: zoneId,
          zoneId,
          name,
          privateZone: false,
          arn: `arn:aws:route53:::hostedzone/${zoneId}`,
          nameServers: ["ns-1.awsdns-01.org"],
          resourceRecordSetCount: 2,
        };
      }
      default: {
        const error = new Error(
          `no mock for invoke ${args.token}: add one to tests/support/pulumi/mocks.ts`,
        );
        // The SDK reports a failed invoke by the gRPC error's `details` only.
        Object.assign(error, { details: error.message });
        throw error;
      }
    }
  }

  newResource(args: pulumi.runtime.MockResourceArgs): {
    id: string;
    state: Record<string, unknown>;
  } {
    const inputs = args.inputs as Record<string, unknown>;
    const plain = unwrapSecrets(inputs).value as Record<string, unknown>;
    const hex = (n: number) => fakeHex(`${args.type}/${args.name}`, n);
    const partition = this.region.startsWith("us-gov-")
      ? "aws-us-gov"
      : this.region.startsWith("cn-")
        ? "aws-cn"
        : "aws";
    const arn = (service: string, resource: string) =>
      `arn:${partition}:${service}:${this.region}:${MOCK_ACCOUNT_ID}:${resource}`;
    const withState = (id: string, extra: Record<string, unknown> = {}) => ({
      id,
      state: { ...inputs, ...extra },
    });

    switch (args.type) {
      case "aws:ec2/vpc:Vpc":
        return withState(`vpc-${hex(17)}`, { arn: arn("ec2", `vpc/vpc-${hex(17)}`) });
      case "aws:ec2/subnet:Subnet": {
        const id = `subnet-${hex(17)}`;
        this.subnetCidrs.set(id, String(plain.cidrBlock));
        return withState(id, { arn: arn("ec2", `subnet/${id}`) });
      }
      case "aws:ec2/internetGateway:InternetGateway":
        return withState(`igw-${hex(17)}`);
      case "aws:ec2/routeTable:RouteTable":
        return withState(`rtb-${hex(17)}`);
      case "aws:ec2/routeTableAssociation:RouteTableAssociation":
        return withState(`rtbassoc-${hex(17)}`);
      case "aws:ec2/eip:Eip":
        return withState(`eipalloc-${hex(17)}`, {
          publicIp: `52.${parseInt(hex(2), 16)}.${parseInt(hex(4).slice(2), 16)}.10`,
        });
      case "aws:ec2/natGateway:NatGateway":
        return withState(`nat-${hex(17)}`);
      case "aws:ec2/vpcEndpoint:VpcEndpoint":
        return withState(`vpce-${hex(17)}`);
      case "aws:ec2/securityGroup:SecurityGroup":
        return withState(`sg-${hex(17)}`, {
          name: autoName(args.name),
          arn: arn("ec2", `security-group/sg-${hex(17)}`),
        });
      case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
      case "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":
        return withState(`sgr-${hex(17)}`, { securityGroupRuleId: `sgr-${hex(17)}` });
      case "aws:iam/role:Role": {
        const name = autoName(args.name);
        return withState(name, { name, arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/${name}` });
      }
      case "aws:iam/instanceProfile:InstanceProfile": {
        const name = autoName(args.name);
        return withState(name, {
          name,
          arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:instance-profile/${name}`,
        });
      }
      case "aws:iam/rolePolicyAttachment:RolePolicyAttachment":
        return withState(`${String(plain.role)}-${hex(20)}`);
      case "aws:ec2/keyPair:KeyPair": {
        const keyName = autoName(args.name);
        return withState(keyName, { keyName, keyPairId: `key-${hex(17)}` });
      }
      case "aws:ec2/instance:Instance": {
        const id = `i-${hex(17)}`;
        const subnetId = String(plain.subnetId);
        const range = cidrRange(this.subnetCidrs.get(subnetId) ?? "10.0.0.0/24");
        const n = (this.hostsPerSubnet.get(subnetId) ?? 0) + 1;
        this.hostsPerSubnet.set(subnetId, n);
        const privateIp = range ? ip(range.base + 10 + n) : "10.0.0.11";
        return withState(id, {
          arn: arn("ec2", `instance/${id}`),
          privateIp,
          privateDns: `ip-${privateIp.replace(/\./g, "-")}.${this.region}.compute.internal`,
          publicIp: plain.associatePublicIpAddress
            ? `34.${parseInt(hex(2), 16)}.${parseInt(hex(4).slice(2), 16)}.${n + 20}`
            : "",
          instanceState: "running",
        });
      }
      case "aws:s3/bucket:Bucket": {
        const bucket = autoName(args.name);
        return withState(bucket, {
          bucket,
          arn: `arn:aws:s3:::${bucket}`,
          bucketDomainName: `${bucket}.s3.amazonaws.com`,
          region: this.region,
        });
      }
      case "aws:ec2/flowLog:FlowLog":
        return withState(`fl-${hex(17)}`, { arn: arn("ec2", `vpc-flow-log/fl-${hex(17)}`) });
      case "aws:ecr/repository:Repository": {
        const name = String(plain.name ?? autoName(args.name));
        return withState(name, {
          name,
          arn: arn("ecr", `repository/${name}`),
          registryId: MOCK_ACCOUNT_ID,
          repositoryUrl: `${this.registryServer ?? `${MOCK_ACCOUNT_ID}.dkr.ecr.${this.region}.amazonaws.com`}/${name}`,
        });
      }
      case "aws:ecr/lifecyclePolicy:LifecyclePolicy":
        return withState(String(plain.repository), { registryId: MOCK_ACCOUNT_ID });
      case "docker:index/image:Image": {
        const imageName = String(plain.imageName);
        const repo = imageName.replace(/:[^:/]+$/, "");
        const digest = createHash("sha256").update(`${imageName}\n${JSON.stringify(plain.build)}`);
        return withState(imageName, {
          imageName,
          baseImageName: imageName,
          repoDigest: `${repo}@sha256:${digest.digest("hex")}`,
        });
      }
      case "aws:lb/loadBalancer:LoadBalancer": {
        const name = autoName(args.name);
        const id = arn("elasticloadbalancing", `loadbalancer/app/${name}/${hex(16)}`);
        return withState(id, {
          name,
          arn: id,
          arnSuffix: `app/${name}/${hex(16)}`,
          dnsName: `${name}-${parseInt(hex(8), 16)}.${this.region}.elb.amazonaws.com`,
          zoneId: "Z32O12XQLNTSW2",
        });
      }
      case "aws:lb/targetGroup:TargetGroup": {
        const name = autoName(args.name);
        const id = arn("elasticloadbalancing", `targetgroup/${name}/${hex(16)}`);
        return withState(id, { name, arn: id, arnSuffix: `targetgroup/${name}/${hex(16)}` });
      }
      case "aws:lb/listener:Listener": {
        const id = arn("elasticloadbalancing", `listener/app/${args.name}/${hex(16)}`);
        return withState(id, { arn: id });
      }
      case "aws:lb/targetGroupAttachment:TargetGroupAttachment":
        return withState(`${String(plain.targetGroupArn)}-${String(plain.targetId)}`);
      case "aws:acm/certificate:Certificate": {
        const id = arn(
          "acm",
          `certificate/${hex(8)}-${hex(12).slice(8)}-4${hex(15).slice(12)}-a${hex(18).slice(15)}-${hex(30).slice(18)}`,
        );
        const names = [
          String(plain.domainName),
          ...((plain.subjectAlternativeNames ?? []) as string[]),
        ];
        // Like ACM: one option per name; a wildcard and its base share one CNAME.
        const domainValidationOptions = names.map((domainName) => {
          const base = domainName.replace(/^\*\./, "");
          const token = fakeHex(`acm/${base}`, 32);
          return {
            domainName,
            resourceRecordName: `_${token}.${base}.`,
            resourceRecordType: "CNAME",
            resourceRecordValue: `_${fakeHex(`acm-value/${base}`, 32)}.xlfgrmvvlj.acm-validations.aws.`,
          };
        });
        return withState(id, { arn: id, domainValidationOptions, status: "PENDING_VALIDATION" });
      }
      case "aws:acm/certificateValidation:CertificateValidation":
        return withState(`${String(plain.certificateArn)}-validation`, {
          certificateArn: plain.certificateArn,
        });
      case "aws:route53/record:Record": {
        const fqdn = String(plain.name).replace(/\.$/, "");
        return withState(`${String(plain.zoneId)}_${fqdn}_${String(plain.type)}`, { fqdn });
      }
      case "aws:cloudwatch/logGroup:LogGroup": {
        const name = String(plain.name ?? autoName(args.name));
        // The provider's arn has no trailing ":*".
        return withState(name, { name, arn: arn("logs", `log-group:${name}`) });
      }
      case "aws:kms/key:Key": {
        const keyId = `${hex(8)}-${hex(12).slice(8)}-4${hex(15).slice(12)}-a${hex(18).slice(15)}-${hex(30).slice(18)}`;
        return withState(keyId, { keyId, arn: arn("kms", `key/${keyId}`) });
      }
      case "aws:sns/topic:Topic": {
        const name = String(plain.name ?? autoName(args.name));
        return withState(arn("sns", name), { name, arn: arn("sns", name) });
      }
      case "aws:sns/topicSubscription:TopicSubscription": {
        const id = `${String(plain.topic)}:${hex(8)}-${hex(12).slice(8)}-4${hex(15).slice(12)}-a${hex(18).slice(15)}-${hex(30).slice(18)}`;
        // Email subscriptions stay pending until the address confirms.
        return withState(id, { arn: id, pendingConfirmation: plain.protocol === "email" });
      }
      case "aws:cloudwatch/metricAlarm:MetricAlarm": {
        const name = String(plain.name ?? autoName(args.name));
        return withState(name, { name, arn: arn("cloudwatch", `alarm:${name}`) });
      }
      case "aws:cloudwatch/dashboard:Dashboard": {
        const name = String(plain.dashboardName);
        return withState(name, {
          dashboardArn: `arn:${partition}:cloudwatch::${MOCK_ACCOUNT_ID}:dashboard/${name}`,
        });
      }
      case "random:index/randomBytes:RandomBytes": {
        // Random like the provider's, but derived from the name: the same run gives the same key.
        const bytes = Buffer.from(
          fakeHex(`${args.type}/${args.name}`, 2 * Number(plain.length)),
          "hex",
        );
        return withState(`${args.name}-${hex(8)}`, {
          hex: bytes.toString("hex"),
          base64: bytes.toString("base64"),
        });
      }
      case "random:index/randomPassword:RandomPassword": {
        // Letters and digits (special: false) from the name and the keepers: new keepers, as
        // with the provider (which replaces the resource), give a new result.
        const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        const seed = `${args.type}/${args.name}/${JSON.stringify(plain.keepers ?? {})}`;
        const result = [...Buffer.from(fakeHex(seed, 2 * Number(plain.length)), "hex")]
          .map((byte) => alphabet[byte % alphabet.length])
          .join("");
        return withState(`${args.name}-${hex(8)}`, { result: `Aa1${result.slice(3)}` });
      }
      case "random:index/randomId:RandomId": {
        const bytes = Buffer.from(
          fakeHex(`${args.type}/${args.name}`, 2 * Number(plain.byteLength)),
          "hex",
        );
        return withState(bytes.toString("base64url"), {
          hex: bytes.toString("hex"),
          b64Url: bytes.toString("base64url"),
          dec: BigInt(`0x${bytes.toString("hex")}`).toString(),
        });
      }
      case "aws:rds/subnetGroup:SubnetGroup":
      case "aws:rds/parameterGroup:ParameterGroup": {
        const name = String(plain.name ?? autoName(args.name));
        const kind = args.type.includes("subnetGroup") ? "subgrp" : "pg";
        return withState(name, { name, arn: arn("rds", `${kind}:${name}`) });
      }
      case "aws:rds/instance:Instance": {
        const identifier = String(plain.identifier ?? autoName(args.name));
        const address = `${identifier}.c${hex(12)}.${this.region}.rds.amazonaws.com`;
        return withState(`db-${hex(26).toUpperCase()}`, {
          identifier,
          address,
          endpoint: `${address}:${String(plain.port ?? 5432)}`,
          port: plain.port ?? 5432,
          arn: arn("rds", `db:${identifier}`),
          resourceId: `db-${hex(26).toUpperCase()}`,
        });
      }
      case "aws:rds/proxy:Proxy": {
        const name = String(plain.name ?? autoName(args.name));
        return withState(name, {
          name,
          arn: arn("rds", `db-proxy:prx-${hex(17)}`),
          endpoint: `${name}.proxy-c${hex(12)}.${this.region}.rds.amazonaws.com`,
        });
      }
      case "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup":
        return withState(String(plain.dbProxyName), { name: "default" });
      case "aws:rds/proxyTarget:ProxyTarget":
        return withState(
          `${String(plain.dbProxyName)},${String(plain.targetGroupName)},RDS_INSTANCE,${String(plain.dbInstanceIdentifier)}`,
        );
      case "aws:secretsmanager/secret:Secret": {
        const name = String(plain.name ?? autoName(args.name));
        const secretArn = arn("secretsmanager", `secret:${name}-${hex(6)}`);
        return withState(secretArn, { name, arn: secretArn });
      }
      case "tls:index/privateKey:PrivateKey": {
        // A real ed25519 pair in the provider's formats, derived from the name like every other
        // mocked value: the fleet tests install the private half on a host and dial it pinned.
        const pair = ed25519FromSeed(Buffer.from(fakeHex(`${args.type}/${args.name}`, 64), "hex"));
        return withState(`${args.name}-${hex(8)}`, {
          algorithm: "ED25519",
          privateKeyOpenssh: pair.privateKeyOpenssh,
          publicKeyOpenssh: `${pair.publicKeyOpenssh}\n`,
        });
      }
      case "aws:ssm/parameter:Parameter":
        return withState(String(plain.name), {
          arn: arn("ssm", `parameter${String(plain.name)}`),
          version: 1,
        });
      case "command:local:Command": {
        // infra/tools/copy-image prints where the image landed: the destination repository with
        // the source's digest.
        const env = (plain.environment ?? {}) as Record<string, string>;
        const source = env.BERTH_COPY_SOURCE ?? "";
        const destination = env.BERTH_COPY_DESTINATION ?? "";
        const copied = `${destination.replace(/:[^:/]+$/, "")}@${source.split("@")[1] ?? ""}`;
        return withState(`${args.name}${hex(8)}`, { stdout: `${copied}\n`, stderr: "" });
      }
      case "command:remote:Command":
        return withState(`${args.name}${hex(8)}`, {
          stdout: agentStdout(String(plain.create ?? "")),
          stderr: "",
        });
      default:
        return withState(`${args.name}-id`);
    }
  }
}

/** What berth-agent prints for a deploy command line: progress, then the one-line JSON summary. */
function agentStdout(create: string): string {
  const flag = (name: string) => new RegExp(`--${name} (\\S+)`).exec(create)?.[1] ?? "";
  if (!create.includes(" deploy ")) return `${create.split("\n").pop() ?? ""}\n`;
  const image = flag("image");
  return `${JSON.stringify({
    action: "deploy",
    app: flag("app"),
    stack: flag("stack"),
    image,
    digest: image.split("@")[1] ?? "",
    configHash: flag("config-hash"),
    outcome: "deployed",
    exitCode: 0,
  })}\n`;
}
