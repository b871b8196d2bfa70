import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import {
  databaseName,
  databaseUrl,
  finalSnapshotIdentifier,
  MASTER_USERNAME,
  parameterGroupFamily,
  POSTGRES_PORT,
} from "../../database/names";
import { DatabaseSettings } from "../../database/settings";
import { tagsFor } from "../../naming";
import { createDatabaseNetwork, DatabaseScope } from "./network";
import { createDatabaseProxy } from "./proxy";

/** What RDS exports to CloudWatch Logs: the server log and the major-version upgrade log. */
export const DATABASE_LOG_EXPORTS = ["postgresql", "upgrade"];

export interface DatabaseArgs {
  /** App name: the database's name and the prefix of every child. */
  app: string;
  /** Stack name: tags and the final snapshot's name. */
  stack: string;
  /** The stack's own tags. */
  tags: Record<string, string>;
  /** The settings with the stage's defaults resolved (database/settings.ts). */
  settings: DatabaseSettings;
  vpcId: pulumi.Input<string>;
  vpcCidr: string;
  /** The stack's zones: one isolated database subnet each. */
  availabilityZones: string[];
  /** The hosts' security group: the only one that reaches PostgreSQL. */
  hostSecurityGroupId: pulumi.Input<string>;
}

/**
 * The stack's managed PostgreSQL: an RDS instance in isolated subnets, reachable from the hosts
 * only, encrypted, backed up, TLS forced by its parameter group, logs in CloudWatch; Multi-AZ,
 * deletion protection and a final snapshot in production; an RDS Proxy in front when asked.
 * The master password is a `RandomPassword` (a secret in the state); `url` is the app's
 * DATABASE_URL, a secret Output that only the release's stdin carries.
 */
export class Database extends pulumi.ComponentResource {
  /** DATABASE_URL: `postgres://berth:...@host:5432/db?sslmode=require` (secret). */
  public readonly url: pulumi.Output<string>;
  /** The instance's hostname (the proxy's when there is one is `proxyEndpoint`). */
  public readonly address: pulumi.Output<string>;
  /** The RDS Proxy's hostname, or undefined without one. */
  public readonly proxyEndpoint: pulumi.Output<string> | undefined;
  public readonly instance: aws.rds.Instance;

  constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("berth:database:Database", name, {}, opts);
    const scope: DatabaseScope = {
      name,
      parent: this,
      tags: (suffix) => tagsFor(args, `${name}-${suffix}`),
    };
    const parent = { parent: this };
    const s = args.settings;

    const network = createDatabaseNetwork(scope, {
      vpcId: args.vpcId,
      vpcCidr: args.vpcCidr,
      zones: args.availabilityZones,
      hostSecurityGroupId: args.hostSecurityGroupId,
    });
    // Letters and digits only: RDS refuses / " @ and spaces in a master password, and a URL needs
    // no escaping. 40 of 62 characters is about 238 bits. A new passwordVersion replaces it.
    const password = new random.RandomPassword(
      `${name}-master-password`,
      {
        length: 40,
        special: false,
        minLower: 1,
        minUpper: 1,
        minNumeric: 1,
        keepers: { passwordVersion: String(s.passwordVersion) },
      },
      parent,
    );
    const family = parameterGroupFamily(s.engineVersion);
    const parameters = new aws.rds.ParameterGroup(
      `${name}-${family}`,
      {
        family,
        description: `berth ${args.app}: PostgreSQL ${s.engineVersion}, TLS required`,
        parameters: [{ name: "rds.force_ssl", value: "1", applyMethod: "pending-reboot" }],
        tags: scope.tags(family),
      },
      parent,
    );
    const snapshotSuffix = s.finalSnapshot
      ? new random.RandomId(`${name}-final-snapshot`, { byteLength: 4 }, parent).hex
      : undefined;

    this.instance = new aws.rds.Instance(
      name,
      {
        engine: "postgres",
        engineVersion: s.engineVersion,
        instanceClass: s.instanceClass,
        storageType: "gp3",
        allocatedStorage: s.allocatedStorageGiB,
        maxAllocatedStorage: s.maxAllocatedStorageGiB,
        storageEncrypted: true,
        dbName: databaseName(args.app),
        username: MASTER_USERNAME,
        password: pulumi.secret(password.result),
        port: POSTGRES_PORT,
        dbSubnetGroupName: network.subnetGroup.name,
        vpcSecurityGroupIds: [network.securityGroup.id],
        parameterGroupName: parameters.name,
        publiclyAccessible: false,
        multiAz: s.multiAz,
        deletionProtection: s.deletionProtection,
        backupRetentionPeriod: s.backupRetentionDays,
        copyTagsToSnapshot: true,
        autoMinorVersionUpgrade: true,
        // A major version is only ever changed on purpose, by berth:database.engineVersion.
        allowMajorVersionUpgrade: true,
        enabledCloudwatchLogsExports: DATABASE_LOG_EXPORTS,
        skipFinalSnapshot: !s.finalSnapshot,
        finalSnapshotIdentifier: snapshotSuffix?.apply((suffix) =>
          finalSnapshotIdentifier(args.app, args.stack, suffix),
        ),
        tags: scope.tags("instance"),
      },
      parent,
    );
    this.address = this.instance.address;

    const proxy = s.rdsProxy
      ? createDatabaseProxy(scope, {
          vpcId: args.vpcId,
          subnetIds: network.subnets.map((subnet) => subnet.id),
          hostSecurityGroupId: args.hostSecurityGroupId,
          databaseSecurityGroupId: network.securityGroup.id,
          instanceIdentifier: this.instance.identifier,
          username: MASTER_USERNAME,
          password: password.result,
        })
      : undefined;
    this.proxyEndpoint = proxy?.endpoint;

    const host = proxy
      ? pulumi.all([proxy.endpoint, proxy.ready]).apply(([endpoint]) => endpoint)
      : this.instance.address;
    this.url = pulumi.secret(
      pulumi.all([host, password.result]).apply(([hostname, secret]) =>
        databaseUrl({
          host: hostname,
          port: POSTGRES_PORT,
          username: MASTER_USERNAME,
          password: secret,
          database: databaseName(args.app),
        }),
      ),
    );

    this.registerOutputs({ address: this.address, proxyEndpoint: this.proxyEndpoint });
  }
}
