import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { POSTGRES_PORT } from "../../database/names";
import { DatabaseScope, postgresIngress } from "./network";

export interface DatabaseProxyArgs {
  vpcId: pulumi.Input<string>;
  subnetIds: pulumi.Input<string>[];
  hostSecurityGroupId: pulumi.Input<string>;
  databaseSecurityGroupId: pulumi.Input<string>;
  /** The instance the proxy pools connections to. */
  instanceIdentifier: pulumi.Input<string>;
  username: string;
  /** The master password (a secret): the proxy signs in with it, from its own Secrets Manager secret. */
  password: pulumi.Output<string>;
}

/** The proxy role's one permission: read its own secret. */
export function proxySecretReadPolicy(secretArn: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ReadItsOwnSecret",
        Effect: "Allow",
        Action: ["secretsmanager:GetSecretValue"],
        Resource: secretArn,
      },
    ],
  });
}

export const RDS_ASSUME_ROLE_POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Principal: { Service: "rds.amazonaws.com" },
      Action: "sts:AssumeRole",
    },
  ],
});

export interface DatabaseProxy {
  /** The proxy's hostname: DATABASE_URL's host. */
  endpoint: pulumi.Output<string>;
  /** Done once the instance is registered with the proxy: the app may connect. */
  ready: pulumi.Output<string>;
}

/**
 * RDS Proxy between the hosts and the instance: a security group (PostgreSQL in from the hosts,
 * out to the instance only), the credentials in a Secrets Manager secret of its own, a role that
 * may read only that secret, the proxy (TLS required) and its target.
 */
export function createDatabaseProxy(scope: DatabaseScope, args: DatabaseProxyArgs): DatabaseProxy {
  const parent = { parent: scope.parent };
  const proxyGroup = new aws.ec2.SecurityGroup(
    `${scope.name}-proxy`,
    {
      vpcId: args.vpcId,
      description: "RDS Proxy: PostgreSQL from the hosts, to the database only",
      tags: scope.tags("proxy-sg"),
    },
    parent,
  );
  postgresIngress(scope, "proxy-in-hosts", proxyGroup.id, args.hostSecurityGroupId, "hosts");
  new aws.vpc.SecurityGroupEgressRule(
    `${scope.name}-proxy-out-db`,
    {
      securityGroupId: proxyGroup.id,
      description: "PostgreSQL to the database only",
      ipProtocol: "tcp",
      fromPort: POSTGRES_PORT,
      toPort: POSTGRES_PORT,
      referencedSecurityGroupId: args.databaseSecurityGroupId,
      tags: scope.tags("proxy-out-db"),
    },
    parent,
  );
  postgresIngress(scope, "in-proxy", args.databaseSecurityGroupId, proxyGroup.id, "RDS Proxy");

  const secret = new aws.secretsmanager.Secret(
    `${scope.name}-proxy-auth`,
    {
      description: "berth: the database's master credentials, read by its RDS Proxy only",
      tags: scope.tags("proxy-auth"),
    },
    parent,
  );
  new aws.secretsmanager.SecretVersion(
    `${scope.name}-proxy-auth`,
    {
      secretId: secret.id,
      secretString: pulumi.secret(
        args.password.apply((password) => JSON.stringify({ username: args.username, password })),
      ),
    },
    parent,
  );
  const role = new aws.iam.Role(
    `${scope.name}-proxy`,
    {
      description: "RDS Proxy: reads its database credentials secret, nothing else",
      assumeRolePolicy: RDS_ASSUME_ROLE_POLICY,
      tags: scope.tags("proxy-role"),
    },
    parent,
  );
  const rolePolicy = new aws.iam.RolePolicy(
    `${scope.name}-proxy-secret`,
    { role: role.name, policy: secret.arn.apply(proxySecretReadPolicy) },
    parent,
  );
  const proxy = new aws.rds.Proxy(
    `${scope.name}-proxy`,
    {
      engineFamily: "POSTGRESQL",
      requireTls: true,
      debugLogging: false,
      idleClientTimeout: 1800,
      roleArn: role.arn,
      vpcSubnetIds: args.subnetIds,
      vpcSecurityGroupIds: [proxyGroup.id],
      auths: [
        {
          authScheme: "SECRETS",
          secretArn: secret.arn,
          iamAuth: "DISABLED",
          clientPasswordAuthType: "POSTGRES_SCRAM_SHA_256",
          description: "the master user",
        },
      ],
      tags: scope.tags("proxy"),
    },
    { parent: scope.parent, dependsOn: [rolePolicy] },
  );
  const targetGroup = new aws.rds.ProxyDefaultTargetGroup(
    `${scope.name}-proxy`,
    {
      dbProxyName: proxy.name,
      connectionPoolConfig: { maxConnectionsPercent: 90, maxIdleConnectionsPercent: 50 },
    },
    parent,
  );
  const target = new aws.rds.ProxyTarget(
    `${scope.name}-proxy`,
    {
      dbProxyName: proxy.name,
      targetGroupName: targetGroup.name,
      dbInstanceIdentifier: args.instanceIdentifier,
    },
    parent,
  );
  return { endpoint: proxy.endpoint, ready: target.id };
}
