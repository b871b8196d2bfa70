import assert from "node:assert/strict";
import { inventory } from "../support/pulumi/inspect";
import { ProgramRun, runStackOnce } from "../support/pulumi/runProgram";

const SUBNET = "aws:ec2/subnet:Subnet";
const INSTANCE = "aws:ec2/instance:Instance";

function subnetById(run: ProgramRun) {
  return new Map(run.ofType(SUBNET).map((s) => [s.id, s.inputs as Record<string, unknown>]));
}

describe("infra inventory: what each stack creates, how many, where", () => {
  let staging: ProgramRun;
  let prod: ProgramRun;
  before(async () => {
    staging = await runStackOnce("staging");
    prod = await runStackOnce("prod");
  });

  it("staging: one host in a public subnet, no NAT, no bastion, plain HTTP", () => {
    assert.deepEqual(inventory(staging), {
      "aws:cloudwatch/dashboard:Dashboard": 1,
      "aws:cloudwatch/metricAlarm:MetricAlarm": 9,
      "aws:ec2/instance:Instance": 1,
      "aws:ec2/internetGateway:InternetGateway": 1,
      "aws:ec2/keyPair:KeyPair": 1,
      "aws:ec2/routeTable:RouteTable": 1,
      "aws:ec2/routeTableAssociation:RouteTableAssociation": 2,
      "aws:ec2/securityGroup:SecurityGroup": 2,
      "aws:ec2/subnet:Subnet": 2,
      "aws:ec2/vpc:Vpc": 1,
      "aws:ecr/lifecyclePolicy:LifecyclePolicy": 2,
      "aws:ecr/repository:Repository": 2,
      "aws:iam/instanceProfile:InstanceProfile": 1,
      "aws:iam/role:Role": 1,
      "aws:iam/rolePolicy:RolePolicy": 1,
      "aws:lb/listener:Listener": 1,
      "aws:lb/loadBalancer:LoadBalancer": 1,
      "aws:lb/targetGroup:TargetGroup": 1,
      "aws:lb/targetGroupAttachment:TargetGroupAttachment": 1,
      "aws:kms/key:Key": 1,
      "aws:sns/topic:Topic": 1,
      "aws:sns/topicSubscription:TopicSubscription": 1,
      "aws:ssm/parameter:Parameter": 1,
      "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": 2,
      "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": 4,
      "berth:alarms:AlarmTopic": 1,
      "berth:alarms:Alarms": 1,
      "berth:alarms:Dashboard": 1,
      "berth:hosts:Hosts": 1,
      "berth:hosts:MachineHostKey": 1,
      "berth:image:ContainerImage": 2,
      "berth:lb:LoadBalancer": 1,
      "berth:network:Network": 1,
      "berth:release:Release": 1,
      "command:local:Command": 2,
      "command:remote:Command": 2,
      "docker:index/image:Image": 2,
      "pulumi-nodejs:dynamic:HealthyTarget": 1,
      "pulumi-nodejs:dynamic:SshReady": 1,
      "tls:index/privateKey:PrivateKey": 1,
      "random:index/randomBytes:RandomBytes": 1,
    });
  });

  it("prod: two private hosts, a NAT gateway per zone, S3 endpoint, bastion, HTTPS, a log bucket", () => {
    assert.deepEqual(inventory(prod), {
      "aws:ec2/eip:Eip": 2,
      "aws:ec2/flowLog:FlowLog": 1,
      "aws:cloudwatch/dashboard:Dashboard": 1,
      "aws:cloudwatch/logGroup:LogGroup": 3,
      "aws:cloudwatch/metricAlarm:MetricAlarm": 14,
      "aws:ec2/instance:Instance": 3,
      "aws:ec2/internetGateway:InternetGateway": 1,
      "aws:ec2/keyPair:KeyPair": 1,
      "aws:ec2/natGateway:NatGateway": 2,
      "aws:ec2/routeTable:RouteTable": 3,
      "aws:ec2/routeTableAssociation:RouteTableAssociation": 4,
      "aws:ec2/securityGroup:SecurityGroup": 3,
      "aws:ec2/subnet:Subnet": 4,
      "aws:ec2/vpc:Vpc": 1,
      "aws:ec2/vpcEndpoint:VpcEndpoint": 1,
      "aws:ecr/lifecyclePolicy:LifecyclePolicy": 2,
      "aws:ecr/repository:Repository": 2,
      "aws:iam/instanceProfile:InstanceProfile": 2,
      "aws:iam/role:Role": 2,
      "aws:iam/rolePolicy:RolePolicy": 2,
      "aws:lb/listener:Listener": 2,
      "aws:lb/loadBalancer:LoadBalancer": 1,
      "aws:lb/targetGroup:TargetGroup": 1,
      "aws:lb/targetGroupAttachment:TargetGroupAttachment": 2,
      "aws:s3/bucket:Bucket": 1,
      "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 1,
      "aws:s3/bucketOwnershipControls:BucketOwnershipControls": 1,
      "aws:s3/bucketPolicy:BucketPolicy": 1,
      "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1,
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 1,
      "aws:kms/key:Key": 1,
      "aws:sns/topic:Topic": 1,
      "aws:sns/topicSubscription:TopicSubscription": 1,
      "aws:ssm/parameter:Parameter": 3,
      "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": 4,
      "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": 6,
      "berth:bastion:Bastion": 1,
      "berth:alarms:AlarmTopic": 1,
      "berth:alarms:Alarms": 1,
      "berth:alarms:Dashboard": 1,
      "berth:hosts:Hosts": 1,
      "berth:hosts:MachineHostKey": 3,
      "berth:image:ContainerImage": 2,
      "berth:lb:LoadBalancer": 1,
      "berth:logs:AppLogGroups": 1,
      "berth:logs:LogArchive": 1,
      "berth:network:Network": 1,
      "berth:release:Release": 1,
      "command:local:Command": 2,
      "command:remote:Command": 4,
      "docker:index/image:Image": 2,
      "pulumi-nodejs:dynamic:HealthyTarget": 2,
      "pulumi-nodejs:dynamic:SshReady": 2,
      "tls:index/privateKey:PrivateKey": 3,
      "random:index/randomBytes:RandomBytes": 1,
    });
  });

  it("puts one public subnet per zone in staging, public and private ones in prod", () => {
    const describe = (run: ProgramRun) =>
      run
        .ofType(SUBNET)
        .map((s) => {
          const i = s.inputs as {
            availabilityZone: string;
            cidrBlock: string;
            tags: Record<string, string>;
          };
          return `${i.tags["berth:tier"]} ${i.availabilityZone} ${i.cidrBlock}`;
        })
        .sort();
    assert.deepEqual(describe(staging), [
      "public eu-west-1a 10.20.0.0/20",
      "public eu-west-1b 10.20.16.0/20",
    ]);
    assert.deepEqual(describe(prod), [
      "private eu-west-1a 10.30.128.0/20",
      "private eu-west-1b 10.30.144.0/20",
      "public eu-west-1a 10.30.0.0/20",
      "public eu-west-1b 10.30.16.0/20",
    ]);
  });

  it("spreads prod's hosts over both zones, in private subnets; staging's host sits in a public one", () => {
    const placement = (run: ProgramRun) => {
      const subnets = subnetById(run);
      return run
        .ofType(INSTANCE)
        .filter((i) => i.name.includes("-hosts-"))
        .map((i) => {
          const inputs = i.inputs as { subnetId: string; availabilityZone: string };
          const subnet = subnets.get(inputs.subnetId) as {
            availabilityZone: string;
            tags: Record<string, string>;
          };
          assert.equal(
            subnet.availabilityZone,
            inputs.availabilityZone,
            `${i.name} zone matches its subnet`,
          );
          return `${i.name.replace("shop-api-hosts-", "")} ${subnet.tags["berth:tier"]} ${subnet.availabilityZone}`;
        })
        .sort();
    };
    assert.deepEqual(placement(staging), ["host-1 public eu-west-1a"]);
    assert.deepEqual(placement(prod), ["host-1 private eu-west-1a", "host-2 private eu-west-1b"]);
  });

  it("puts the ALB, the NAT gateways and the bastion in public subnets", () => {
    for (const run of [staging, prod]) {
      const subnets = subnetById(run);
      const tier = (id: unknown) =>
        (subnets.get(String(id))?.tags as Record<string, string>)["berth:tier"];
      const alb = run.ofType("aws:lb/loadBalancer:LoadBalancer")[0]!;
      const albSubnets = alb.inputs.subnets as string[];
      assert.equal(albSubnets.length, 2);
      assert.deepEqual(albSubnets.map(tier), ["public", "public"]);
      for (const nat of run.ofType("aws:ec2/natGateway:NatGateway"))
        assert.equal(tier(nat.inputs.subnetId), "public");
    }
    const bastion = prod.get(INSTANCE, "shop-api-bastion-instance");
    assert.equal(
      subnetById(prod).get(String(bastion.inputs.subnetId))?.availabilityZone,
      "eu-west-1a",
    );
    assert.equal(bastion.inputs.associatePublicIpAddress, true);
  });

  it("routes each private zone through its own NAT gateway, and the S3 gateway through both tables", () => {
    const nats = prod.ofType("aws:ec2/natGateway:NatGateway");
    const privateTables = prod
      .ofType("aws:ec2/routeTable:RouteTable")
      .filter((t) => t.name.includes("private"));
    assert.equal(privateTables.length, 2);
    const natTargets = privateTables
      .map((t) => (t.inputs.routes as { natGatewayId: string }[])[0]?.natGatewayId)
      .sort();
    assert.deepEqual(natTargets, nats.map((n) => n.id).sort());
    const s3 = prod.get("aws:ec2/vpcEndpoint:VpcEndpoint", "shop-api-s3");
    assert.equal(s3.inputs.serviceName, "com.amazonaws.eu-west-1.s3");
    assert.deepEqual(
      (s3.inputs.routeTableIds as string[]).sort(),
      privateTables.map((t) => t.id).sort(),
    );
  });

  it("attaches every host (and only hosts) to the target group", () => {
    for (const run of [staging, prod]) {
      const hostIds = run
        .ofType(INSTANCE)
        .filter((i) => i.name.includes("-hosts-"))
        .map((i) => i.id)
        .sort();
      const attached = run
        .ofType("aws:lb/targetGroupAttachment:TargetGroupAttachment")
        .map((a) => String(a.inputs.targetId))
        .sort();
      assert.deepEqual(attached, hostIds);
    }
  });

  it("parents every AWS, Docker and command resource to a berth component", () => {
    for (const run of [staging, prod]) {
      for (const r of run.resources.filter((x) => !x.type.startsWith("berth:"))) {
        assert.match(r.parent, /\$berth:[a-z]+:[A-Za-z]+::/, `${r.type} ${r.name} is parented`);
      }
    }
  });

  it("outputs the URL, digests, hosts, bastion and a release summary per host", () => {
    assert.match(
      String(staging.outputs.url),
      /^http:\/\/shop-api-alb-[0-9a-f]{7}-\d+\.eu-west-1\.elb\.amazonaws\.com$/,
    );
    assert.match(String(prod.outputs.url), /^https:\/\//);
    assert.match(
      String(prod.outputs.digest),
      /^123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/shop-api-prod-app@sha256:[0-9a-f]{64}$/,
    );
    assert.match(String(prod.outputs.proxyDigest), /\/shop-api-prod-proxy@sha256:[0-9a-f]{64}$/);
    assert.equal(staging.outputs.bastion, null);
    assert.match(String(prod.outputs.bastion), /^\d+\.\d+\.\d+\.\d+$/);
    assert.equal(prod.outputs.sshUser, "ec2-user");
    const hosts = prod.outputs.hosts as {
      name: string;
      zone: string;
      privateIp: string;
      publicIp: string | null;
    }[];
    assert.deepEqual(
      hosts.map((h) => [h.name, h.zone, h.publicIp]),
      [
        ["host-1", "eu-west-1a", null],
        ["host-2", "eu-west-1b", null],
      ],
    );
    assert.match(hosts[0]!.privateIp, /^10\.30\.128\.\d+$/, "inside host-1's private subnet");
    const releases = prod.outputs.releases as Record<string, { outcome: string; image: string }>;
    assert.deepEqual(Object.keys(releases), ["host-1", "host-2"]);
    assert.equal(releases["host-2"]!.outcome, "deployed");
    assert.equal(releases["host-2"]!.image, prod.outputs.digest);
  });
});
