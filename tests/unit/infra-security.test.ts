import assert from "node:assert/strict";
import { securityGroupRules } from "../support/pulumi/inspect";
import { ProgramRun, runProgram, runStackOnce } from "../support/pulumi/runProgram";

const INSTANCE = "aws:ec2/instance:Instance";
const rule = (
  group: string,
  direction: "in" | "out",
  protocol: string,
  ports: string,
  peer: string,
) => ({
  group,
  direction,
  protocol,
  ports,
  peer,
});

describe("infra security: rules, metadata, encryption, IAM, TLS", () => {
  let staging: ProgramRun;
  let prod: ProgramRun;
  before(async () => {
    staging = await runStackOnce("staging");
    prod = await runStackOnce("prod");
  });

  it("staging: every security-group rule, and nothing else", () => {
    assert.deepEqual(
      securityGroupRules(staging, "shop-api"),
      [
        rule("alb", "in", "tcp", "80-80", "0.0.0.0/0"),
        rule("alb", "out", "tcp", "80-80", "sg:hosts"),
        rule("hosts", "in", "tcp", "22-22", "198.51.100.0/28"),
        rule("hosts", "in", "tcp", "22-22", "203.0.113.10/32"),
        rule("hosts", "in", "tcp", "80-80", "sg:alb"),
        rule("hosts", "out", "-1", "all", "0.0.0.0/0"),
      ].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    );
  });

  it("prod: every security-group rule; SSH reaches hosts only from the bastion", () => {
    assert.deepEqual(
      securityGroupRules(prod, "shop-api"),
      [
        rule("alb", "in", "tcp", "443-443", "0.0.0.0/0"),
        rule("alb", "in", "tcp", "80-80", "0.0.0.0/0"),
        rule("alb", "out", "tcp", "80-80", "sg:hosts"),
        rule("bastion", "in", "tcp", "22-22", "198.51.100.0/28"),
        rule("bastion", "in", "tcp", "22-22", "203.0.113.10/32"),
        rule("bastion", "out", "tcp", "22-22", "sg:hosts"),
        rule("bastion", "out", "tcp", "443-443", "0.0.0.0/0"),
        rule("hosts", "in", "tcp", "22-22", "sg:bastion"),
        rule("hosts", "in", "tcp", "80-80", "sg:alb"),
        rule("hosts", "out", "-1", "all", "0.0.0.0/0"),
      ].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    );
  });

  it("adds HTTPS from the hosts to the ECR and SSM endpoints in an endpoints-only layout", async () => {
    const run = await runProgram({
      stack: "prod",
      configOverrides: {
        "berth:network": {
          vpcCidr: "10.30.0.0/16",
          availabilityZones: ["eu-west-1a", "eu-west-1b"],
          hostSubnets: "private",
          egress: "endpoints",
        },
      },
    });
    assert.deepEqual(
      securityGroupRules(run, "shop-api").filter((r) => r.group === "endpoints"),
      [rule("endpoints", "in", "tcp", "443-443", "sg:hosts")],
    );
    const endpoints = run
      .ofType("aws:ec2/vpcEndpoint:VpcEndpoint")
      .map((e) => `${e.inputs.vpcEndpointType} ${e.inputs.serviceName}`);
    assert.deepEqual(endpoints.sort(), [
      "Gateway com.amazonaws.eu-west-1.s3",
      "Interface com.amazonaws.eu-west-1.ecr.api",
      "Interface com.amazonaws.eu-west-1.ecr.dkr",
      "Interface com.amazonaws.eu-west-1.logs",
      "Interface com.amazonaws.eu-west-1.monitoring",
      "Interface com.amazonaws.eu-west-1.ssm",
    ]);
    assert.equal(run.ofType("aws:ec2/natGateway:NatGateway").length, 0);
  });

  it("never opens SSH to the world, in any stack", () => {
    for (const run of [staging, prod]) {
      for (const r of securityGroupRules(run, "shop-api")) {
        if (r.direction === "in" && (r.ports === "22-22" || r.ports === "all"))
          assert.ok(!["0.0.0.0/0", "::/0"].includes(r.peer), `${run.stack}: ${JSON.stringify(r)}`);
      }
    }
  });

  it("requires IMDSv2 with one hop on every instance, bastion included", () => {
    for (const run of [staging, prod]) {
      for (const i of run.ofType(INSTANCE)) {
        assert.deepEqual(
          i.inputs.metadataOptions,
          {
            httpEndpoint: "enabled",
            httpTokens: "required",
            httpPutResponseHopLimit: 1,
            instanceMetadataTags: "disabled",
          },
          i.name,
        );
      }
    }
  });

  it("encrypts every root volume (gp3) and every ECR repository", () => {
    for (const run of [staging, prod]) {
      for (const i of run.ofType(INSTANCE)) {
        const root = i.inputs.rootBlockDevice as Record<string, unknown>;
        assert.equal(root.encrypted, true, i.name);
        assert.equal(root.volumeType, "gp3", i.name);
      }
      for (const repo of run.ofType("aws:ecr/repository:Repository")) {
        assert.deepEqual(repo.inputs.encryptionConfigurations, [{ encryptionType: "AES256" }]);
        assert.deepEqual(repo.inputs.imageScanningConfiguration, { scanOnPush: true });
        assert.equal(repo.inputs.imageTagMutability, "IMMUTABLE");
      }
    }
  });

  it("gives private hosts no public IP, and staging's public host one", () => {
    const hosts = (run: ProgramRun) =>
      run.ofType(INSTANCE).filter((i) => i.name.includes("-hosts-"));
    for (const h of hosts(prod)) {
      assert.equal(h.inputs.associatePublicIpAddress, false, h.name);
      assert.equal(h.state.publicIp, "", h.name);
    }
    for (const h of hosts(staging)) assert.equal(h.inputs.associatePublicIpAddress, true);
    for (const s of [
      ...staging.ofType("aws:ec2/subnet:Subnet"),
      ...prod.ofType("aws:ec2/subnet:Subnet"),
    ])
      assert.equal(
        s.inputs.mapPublicIpOnLaunch,
        false,
        `${s.name} assigns no public IP by default`,
      );
  });

  it("keeps hosts when AWS publishes a new AMI or the cloud-config changes", () => {
    for (const h of prod.ofType(INSTANCE)) assert.ok(h.ignoreChanges.includes("ami"), h.name);
    for (const h of prod.ofType(INSTANCE).filter((i) => i.name.includes("-hosts-")))
      assert.deepEqual(h.ignoreChanges.sort(), ["ami", "userData"]);
    const ssm = prod.calls.filter((c) => c.token === "aws:ssm/getParameter:getParameter");
    assert.ok(ssm.length >= 1);
    for (const c of ssm)
      assert.equal(
        c.inputs.name,
        "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
      );
    assert.equal(prod.get(INSTANCE, "shop-api-hosts-host-1").inputs.ami, "ami-0a1b2c3d4e5f67890");
  });

  it("changes hosts one after another, never all at once", () => {
    const hosts = prod.ofType(INSTANCE).filter((i) => i.name.includes("-hosts-"));
    const [one, two] = hosts.sort((a, b) => a.name.localeCompare(b.name));
    assert.ok(one && two);
    assert.ok(two.dependencies.includes(one.urn), "host-2 waits for host-1");
    assert.ok(!one.dependencies.includes(two.urn));
  });

  it("uses a pinned AMI without asking SSM", async () => {
    const run = await runProgram({
      stack: "staging",
      configOverrides: {
        "berth:hosts": { count: 1, instanceType: "t4g.small", ami: "ami-0123456789abcdef0" },
      },
    });
    assert.equal(run.get(INSTANCE, "shop-api-hosts-host-1").inputs.ami, "ami-0123456789abcdef0");
    assert.equal(
      run.calls.filter((c) => c.token === "aws:ssm/getParameter:getParameter").length,
      0,
    );
    const build = run.get("docker:index/image:Image", "shop-api-app-image").inputs.build as {
      platform: string;
    };
    assert.equal(build.platform, "linux/arm64", "images built for the Graviton hosts");
  });

  it("lets only EC2 assume the host role, which may pull from the stack's two repositories, read the hosts' own host keys, put the CloudWatch agent's metrics and (prod) write the app's logs, nothing else", () => {
    for (const run of [staging, prod]) {
      const [role] = run.ofType("aws:iam/role:Role").filter((r) => r.name.includes("-hosts-"));
      assert.ok(role);
      assert.deepEqual(JSON.parse(String(role.inputs.assumeRolePolicy)), {
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "ec2.amazonaws.com" },
            Action: "sts:AssumeRole",
          },
        ],
      });
      assert.deepEqual(
        run.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment"),
        [],
        "no managed policy: the ECR one covers every repository, the SSM one ssm:GetParameter* on *",
      );
      const [pull, ...others] = run
        .ofType("aws:iam/rolePolicy:RolePolicy")
        .filter((p) => p.inputs.role === role.id);
      assert.deepEqual(others, []);
      const hostKeyParameters = run
        .ofType("aws:ssm/parameter:Parameter")
        .filter((p) => /\/host-keys\/host-\d+$/.test(String(p.inputs.name)))
        .map((p) => String(p.state.arn))
        .sort();
      assert.equal(
        hostKeyParameters.length,
        run.ofType(INSTANCE).filter((i) => i.name.includes("-hosts-")).length,
      );
      assert.equal(pull?.inputs.role, role.id);
      const repositories = run
        .ofType("aws:ecr/repository:Repository")
        .map((r) => String(r.state.arn))
        .sort();
      assert.equal(repositories.length, 2);
      const logGroups = run
        .ofType("aws:cloudwatch/logGroup:LogGroup")
        .map((g) => String(g.state.arn))
        .sort();
      assert.equal(logGroups.length, run.stack === "prod" ? 3 : 0);
      assert.deepEqual(JSON.parse(String(pull?.inputs.policy)), {
        Version: "2012-10-17",
        Statement: [
          { Sid: "EcrToken", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
          {
            Sid: "PullStackImages",
            Effect: "Allow",
            Action: [
              "ecr:BatchCheckLayerAvailability",
              "ecr:BatchGetImage",
              "ecr:GetDownloadUrlForLayer",
            ],
            Resource: repositories,
          },
          {
            Sid: "ReadOwnHostKey",
            Effect: "Allow",
            Action: "ssm:GetParameter",
            Resource: hostKeyParameters,
          },
          // berth:alarms: the CloudWatch agent's metrics, into its namespace only.
          {
            Sid: "CloudWatchAgentMetrics",
            Effect: "Allow",
            Action: "cloudwatch:PutMetricData",
            Resource: "*",
            Condition: { StringEquals: { "cloudwatch:namespace": "CWAgent" } },
          },
          // berth:appLogs (prod): docker's awslogs driver, into the app's own groups only.
          ...(logGroups.length > 0
            ? [
                {
                  Sid: "WriteAppLogs",
                  Effect: "Allow",
                  Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                  Resource: logGroups.flatMap((arn) => [arn, `${arn}:log-stream:*`]),
                },
              ]
            : []),
        ],
      });
      assert.equal(role.inputs.inlinePolicies, undefined);
      assert.equal(role.inputs.managedPolicyArns, undefined);
      const [profile] = run.ofType("aws:iam/instanceProfile:InstanceProfile");
      assert.equal(profile?.inputs.role, role.id);
      for (const h of run.ofType(INSTANCE).filter((i) => i.name.includes("-hosts-")))
        assert.equal(h.inputs.iamInstanceProfile, profile?.id);
    }
    // The bastion's own role may read its own host key parameter, nothing else.
    const bastion = prod.get(INSTANCE, "shop-api-bastion-instance");
    const bastionRole = prod.get("aws:iam/role:Role", "shop-api-bastion-role");
    const bastionProfile = prod.get(
      "aws:iam/instanceProfile:InstanceProfile",
      "shop-api-bastion-profile",
    );
    assert.equal(bastionProfile.inputs.role, bastionRole.id);
    assert.equal(bastion.inputs.iamInstanceProfile, bastionProfile.id);
    const bastionParameter = prod.get(
      "aws:ssm/parameter:Parameter",
      "shop-api-bastion-host-key-parameter",
    );
    const bastionPolicy = prod.get("aws:iam/rolePolicy:RolePolicy", "shop-api-bastion-host-key");
    assert.equal(bastionPolicy.inputs.role, bastionRole.id);
    assert.deepEqual(JSON.parse(String(bastionPolicy.inputs.policy)), {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "ReadOwnHostKey",
          Effect: "Allow",
          Action: "ssm:GetParameter",
          Resource: [
            `arn:aws:ssm:eu-west-1:123456789012:parameter/berth/shop-api/prod/host-keys/bastion`,
          ],
        },
      ],
    });
    assert.equal(
      bastionParameter.state.arn,
      "arn:aws:ssm:eu-west-1:123456789012:parameter/berth/shop-api/prod/host-keys/bastion",
    );
  });

  it("terminates TLS 1.2/1.3 in prod and redirects HTTP; staging forwards HTTP", () => {
    const listeners = (run: ProgramRun) =>
      run.ofType("aws:lb/listener:Listener").map((l) => {
        const action = (
          l.inputs.defaultActions as { type: string; redirect?: Record<string, string> }[]
        )[0]!;
        return {
          port: l.inputs.port,
          protocol: l.inputs.protocol,
          sslPolicy: l.inputs.sslPolicy,
          action: action.type,
          redirect: action.redirect,
        };
      });
    assert.deepEqual(
      listeners(prod).sort((a, b) => Number(a.port) - Number(b.port)),
      [
        {
          port: 80,
          protocol: "HTTP",
          sslPolicy: undefined,
          action: "redirect",
          redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" },
        },
        {
          port: 443,
          protocol: "HTTPS",
          sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
          action: "forward",
          redirect: undefined,
        },
      ],
    );
    const https = prod.ofType("aws:lb/listener:Listener").find((l) => l.inputs.port === 443);
    assert.match(String(https?.inputs.certificateArn), /^arn:aws:acm:eu-west-1:/);
    assert.deepEqual(listeners(staging), [
      { port: 80, protocol: "HTTP", sslPolicy: undefined, action: "forward", redirect: undefined },
    ]);
  });

  it("drops invalid headers, protects prod's ALB from deletion, and health-checks through nginx quickly", () => {
    for (const run of [staging, prod]) {
      const [alb] = run.ofType("aws:lb/loadBalancer:LoadBalancer");
      assert.equal(alb?.inputs.dropInvalidHeaderFields, true);
      assert.equal(alb?.inputs.internal, false);
      assert.equal(alb?.inputs.enableDeletionProtection, run.stack === "prod");
      const [tg] = run.ofType("aws:lb/targetGroup:TargetGroup");
      assert.equal(tg?.inputs.port, 80, "nginx on the host");
      assert.equal(tg?.inputs.deregistrationDelay, 15);
      const check = tg?.inputs.healthCheck as Record<string, unknown>;
      assert.equal(check.path, "/healthz");
      assert.equal(check.matcher, "200");
      assert.ok(
        Number(check.interval) <= 10 &&
          Number(check.healthyThreshold) <= 3 &&
          Number(check.unhealthyThreshold) <= 3,
      );
    }
  });

  it("keeps prod's ALB access logs and VPC flow logs in a private, encrypted, TLS-only bucket", () => {
    const bucket = prod.ofType("aws:s3/bucket:Bucket")[0]!;
    const forBucket = (type: string) => {
      const [r] = prod.ofType(type).filter((x) => x.inputs.bucket === bucket.id);
      assert.ok(r, `${type} for the log bucket`);
      return r.inputs;
    };
    assert.deepEqual(forBucket("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"), {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    assert.deepEqual(forBucket("aws:s3/bucketOwnershipControls:BucketOwnershipControls").rule, {
      objectOwnership: "BucketOwnerEnforced",
    });
    assert.deepEqual(
      forBucket(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      ).rules,
      [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    );
    const retention = forBucket("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
      .rules as { expiration: { days: number } }[];
    assert.equal(retention[0]?.expiration.days, 90);
    const policy = JSON.parse(String(forBucket("aws:s3/bucketPolicy:BucketPolicy").policy)) as {
      Statement: { Sid: string; Effect: string; Principal: unknown; Resource: unknown }[];
    };
    const bySid = Object.fromEntries(policy.Statement.map((st) => [st.Sid, st]));
    assert.deepEqual(Object.keys(bySid).sort(), [
      "AlbAccessLogsDeliveryService",
      "AlbAccessLogsRegionalAccount",
      "DenyInsecureTransport",
      "FlowLogsAclCheck",
      "FlowLogsWrite",
    ]);
    assert.equal(bySid.DenyInsecureTransport?.Effect, "Deny");
    assert.deepEqual(bySid.AlbAccessLogsRegionalAccount?.Principal, {
      AWS: "arn:aws:iam::156460612806:root",
    });
    assert.equal(
      bySid.AlbAccessLogsRegionalAccount?.Resource,
      `${String(bucket.state.arn)}/alb/AWSLogs/123456789012/*`,
    );
    assert.ok(
      !policy.Statement.some((st) => st.Effect === "Allow" && st.Principal === "*"),
      "nothing public",
    );

    const alb = prod.ofType("aws:lb/loadBalancer:LoadBalancer")[0]!;
    assert.deepEqual(alb.inputs.accessLogs, {
      bucket: bucket.state.bucket,
      prefix: "alb",
      enabled: true,
    });
    const policyResource = prod.ofType("aws:s3/bucketPolicy:BucketPolicy")[0]!;
    assert.ok(alb.dependencies.includes(policyResource.urn), "the ALB waits for the bucket policy");
    const flow = prod.ofType("aws:ec2/flowLog:FlowLog")[0]!;
    assert.equal(flow.inputs.vpcId, prod.ofType("aws:ec2/vpc:Vpc")[0]!.id);
    assert.equal(flow.inputs.trafficType, "ALL");
    assert.equal(flow.inputs.logDestination, `${String(bucket.state.arn)}/vpc-flow`);
    assert.equal(staging.ofType("aws:s3/bucket:Bucket").length, 0, "staging keeps no logs");
    assert.equal(
      staging.ofType("aws:lb/loadBalancer:LoadBalancer")[0]!.inputs.accessLogs,
      undefined,
    );
  });

  it("tags every taggable resource with app, stack and the stack's own tags", () => {
    for (const run of [staging, prod]) {
      for (const r of run.resources.filter((x) => x.inputs.tags !== undefined)) {
        const tags = r.inputs.tags as Record<string, string>;
        assert.equal(tags["berth:app"], "shop-api", r.name);
        assert.equal(tags["berth:stack"], run.stack, r.name);
        assert.equal(tags.team, "platform", r.name);
      }
    }
  });
});
