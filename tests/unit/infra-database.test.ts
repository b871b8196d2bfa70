import assert from "node:assert/strict";
import { databaseUrl } from "../../infra/src/database/names";
import { plainTextOccurrences, securityGroupRules } from "../support/pulumi/inspect";
import { ProgramRun, RegisteredResource, runProgram } from "../support/pulumi/runProgram";

const INSTANCE = "aws:rds/instance:Instance";
const SUBNET = "aws:ec2/subnet:Subnet";
const PARAMETER_GROUP = "aws:rds/parameterGroup:ParameterGroup";
const SUBNET_GROUP = "aws:rds/subnetGroup:SubnetGroup";
const PASSWORD = "random:index/randomPassword:RandomPassword";
const COMMAND = "command:remote:Command";

/** A stack with `berth:database` set, and no DATABASE_URL of its own in berth:secretEnv. */
function withDatabase(stack: string, database: Record<string, unknown> = {}): Promise<ProgramRun> {
  return runProgram({
    stack,
    configOverrides: { "berth:database": database },
    secretConfig: { "berth:secretEnv": { SESSION_SECRET: "mock-session-secret-51d2" } },
  });
}

const only = (run: ProgramRun, type: string): RegisteredResource => {
  const found = run.ofType(type);
  assert.equal(found.length, 1, `expected one ${type}, got ${found.length}`);
  return found[0] as RegisteredResource;
};
const deploys = (run: ProgramRun) =>
  run.ofType(COMMAND).filter((c) => c.inputs.stdin && !c.name.endsWith("-agent"));
const envOf = (deploy: RegisteredResource) =>
  (JSON.parse(String(deploy.inputs.stdin)) as { spec: { env: Record<string, string> } }).spec.env;
const rule = (group: string, direction: "in" | "out", ports: string, peer: string) => ({
  group,
  direction,
  protocol: "tcp",
  ports,
  peer,
});

describe("infra database: berth:database makes an RDS PostgreSQL the app reaches by DATABASE_URL", () => {
  let staging: ProgramRun;
  let prod: ProgramRun;
  let proxied: ProgramRun;
  before(async () => {
    staging = await withDatabase("staging");
    prod = await withDatabase("prod");
    proxied = await withDatabase("prod", { rdsProxy: true });
  });

  it("creates nothing of the database without berth:database", async () => {
    const run = await runProgram({ stack: "staging" });
    const databaseTypes = run.resources.filter(
      (r) => r.type.startsWith("aws:rds/") || r.type === PASSWORD || r.name.includes("-db"),
    );
    assert.deepEqual(
      databaseTypes.map((r) => `${r.type} ${r.name}`),
      [],
    );
    assert.equal(run.outputs.database, null);
  });

  for (const stack of ["staging", "prod"]) {
    it(`${stack}: an encrypted, private instance with backups, TLS forced, logs exported and minor upgrades on`, () => {
      const run = stack === "staging" ? staging : prod;
      const db = only(run, INSTANCE).inputs;
      assert.equal(db.engine, "postgres");
      assert.equal(db.engineVersion, "17");
      assert.equal(db.instanceClass, "db.t4g.micro");
      assert.equal(db.storageEncrypted, true);
      assert.equal(db.publiclyAccessible, false);
      assert.equal(db.autoMinorVersionUpgrade, true);
      assert.equal(db.storageType, "gp3");
      assert.equal(db.allocatedStorage, 20);
      assert.equal(db.maxAllocatedStorage, 100);
      assert.deepEqual(db.enabledCloudwatchLogsExports, ["postgresql", "upgrade"]);
      assert.equal(db.port, 5432);
      assert.equal(db.username, "berth");
      assert.equal(db.dbName, "shop_api");
    });

    it(`${stack}: the parameter group of the major version's family forces TLS, and the instance uses it`, () => {
      const run = stack === "staging" ? staging : prod;
      const group = only(run, PARAMETER_GROUP);
      assert.equal(group.inputs.family, "postgres17");
      assert.deepEqual(group.inputs.parameters, [
        { name: "rds.force_ssl", value: "1", applyMethod: "pending-reboot" },
      ]);
      assert.equal(only(run, INSTANCE).inputs.parameterGroupName, group.state.name);
    });

    it(`${stack}: the subnet group holds isolated database subnets, one per zone, with no route out`, () => {
      const run = stack === "staging" ? staging : prod;
      const dbSubnets = run.ofType(SUBNET).filter((s) => s.name.startsWith("shop-api-db-"));
      assert.deepEqual(
        dbSubnets.map((s) => s.inputs.availabilityZone),
        ["eu-west-1a", "eu-west-1b"],
      );
      for (const subnet of dbSubnets) {
        assert.equal(subnet.inputs.mapPublicIpOnLaunch, false);
        assert.equal((subnet.inputs.tags as Record<string, string>)["berth:tier"], "database");
      }
      const group = only(run, SUBNET_GROUP);
      assert.deepEqual(
        group.inputs.subnetIds,
        dbSubnets.map((s) => s.id),
      );
      assert.equal(only(run, INSTANCE).inputs.dbSubnetGroupName, group.state.name);
      // Their one route table has no route: not the internet gateway's, not a NAT's.
      const isolated = run.get("aws:ec2/routeTable:RouteTable", "shop-api-db-isolated");
      assert.deepEqual(isolated.inputs.routes, []);
      const associations = run
        .ofType("aws:ec2/routeTableAssociation:RouteTableAssociation")
        .filter((a) => dbSubnets.some((s) => s.id === a.inputs.subnetId));
      assert.equal(associations.length, dbSubnets.length);
      for (const a of associations) assert.equal(a.inputs.routeTableId, isolated.id);
      // No other subnet of the VPC overlaps them.
      const others = run.ofType(SUBNET).filter((s) => !dbSubnets.includes(s));
      const cidrs = new Set(others.map((s) => s.inputs.cidrBlock));
      for (const s of dbSubnets) assert.ok(!cidrs.has(s.inputs.cidrBlock));
    });

    it(`${stack}: PostgreSQL is reachable from the hosts' security group only`, () => {
      const run = stack === "staging" ? staging : prod;
      const dbRules = securityGroupRules(run, "shop-api").filter((r) => r.group.startsWith("db"));
      assert.deepEqual(dbRules, [rule("db", "in", "5432-5432", "sg:hosts")]);
      const db = only(run, INSTANCE);
      const group = run.get("aws:ec2/securityGroup:SecurityGroup", "shop-api-db");
      assert.deepEqual(db.inputs.vpcSecurityGroupIds, [group.id]);
      assert.equal(group.inputs.ingress, undefined);
      assert.equal(group.inputs.egress, undefined);
    });

    it(`${stack}: DATABASE_URL reaches every host in the deploy's secret stdin, and nowhere in plain`, () => {
      const run = stack === "staging" ? staging : prod;
      const db = only(run, INSTANCE);
      const password = String(only(run, PASSWORD).state.result);
      assert.ok(password.length >= 40);
      const expected = databaseUrl({
        host: String(db.state.address),
        port: 5432,
        username: "berth",
        password,
        database: "shop_api",
      });
      assert.match(expected, /\?sslmode=require$/);
      const hosts = deploys(run);
      assert.equal(hosts.length, stack === "prod" ? 2 : 1);
      for (const deploy of hosts) {
        assert.ok(deploy.secretInputPaths.includes("stdin"), `${deploy.name}: stdin not secret`);
        const env = envOf(deploy);
        assert.equal(env.DATABASE_URL, expected);
        assert.equal(env.DATABASE_POOL_SIZE, "5");
        assert.equal(env.SESSION_SECRET, "mock-session-secret-51d2");
      }
      assert.ok(db.secretInputPaths.includes("password"), "the instance's password is not secret");
      assert.deepEqual(plainTextOccurrences(run, password), []);
      assert.deepEqual(plainTextOccurrences(run, expected), []);
      assert.deepEqual(plainTextOccurrences(run, "postgres://"), []);
    });

    it(`${stack}: the password is in no user data and no command line`, () => {
      const run = stack === "staging" ? staging : prod;
      const password = String(only(run, PASSWORD).state.result);
      for (const instance of run.ofType("aws:ec2/instance:Instance"))
        assert.ok(!String(instance.inputs.userData).includes(password), instance.name);
      for (const command of run.ofType(COMMAND)) {
        for (const field of ["create", "update", "delete", "triggers"])
          assert.ok(
            !JSON.stringify(command.inputs[field] ?? "").includes(password),
            `${command.name}.${field}`,
          );
        assert.equal(command.inputs.logging ?? "none", "none", `${command.name} logs its output`);
      }
    });
  }

  it("staging: no Multi-AZ, no deletion protection, no final snapshot, backups kept 7 days", () => {
    const db = only(staging, INSTANCE).inputs;
    assert.equal(db.multiAz, false);
    assert.equal(db.deletionProtection, false);
    assert.equal(db.skipFinalSnapshot, true);
    assert.equal(db.finalSnapshotIdentifier, undefined);
    assert.equal(db.backupRetentionPeriod, 7);
  });

  it("prod: Multi-AZ, deletion protection, a final snapshot of its own name, backups kept 14 days", () => {
    const db = only(prod, INSTANCE).inputs;
    assert.equal(db.multiAz, true);
    assert.equal(db.deletionProtection, true);
    assert.equal(db.skipFinalSnapshot, false);
    assert.match(String(db.finalSnapshotIdentifier), /^shop-api-prod-final-[0-9a-f]{8}$/);
    assert.equal(db.backupRetentionPeriod, 14);
  });

  it("a stack tagged environment=prod gets production's defaults whatever its name", async () => {
    const run = await runProgram({
      stack: "live",
      configFrom: "staging",
      configOverrides: {
        "berth:database": {},
        "berth:tags": { team: "platform", environment: "prod" },
      },
      secretConfig: { "berth:secretEnv": {} },
    });
    const db = only(run, INSTANCE).inputs;
    assert.equal(db.multiAz, true);
    assert.equal(db.deletionProtection, true);
    assert.match(String(db.finalSnapshotIdentifier), /^shop-api-live-final-[0-9a-f]{8}$/);
  });

  it("explicit settings win over the stage's defaults", async () => {
    const run = await withDatabase("prod", {
      engineVersion: "16",
      instanceClass: "db.m7g.large",
      allocatedStorageGiB: 50,
      maxAllocatedStorageGiB: 500,
      backupRetentionDays: 30,
      poolSize: 20,
    });
    const db = only(run, INSTANCE).inputs;
    assert.equal(db.engineVersion, "16");
    assert.equal(db.instanceClass, "db.m7g.large");
    assert.equal(db.allocatedStorage, 50);
    assert.equal(db.maxAllocatedStorage, 500);
    assert.equal(db.backupRetentionPeriod, 30);
    assert.equal(only(run, PARAMETER_GROUP).inputs.family, "postgres16");
    for (const deploy of deploys(run)) assert.equal(envOf(deploy).DATABASE_POOL_SIZE, "20");
  });

  it("passwordVersion is the password's keeper: raising it rotates the password and DATABASE_URL", async () => {
    const before = only(staging, PASSWORD);
    assert.deepEqual(before.inputs.keepers, { passwordVersion: "1" });
    const rotated = await withDatabase("staging", { passwordVersion: 2 });
    assert.deepEqual(only(rotated, PASSWORD).inputs.keepers, { passwordVersion: "2" });
    // The provider replaces a RandomPassword whose keepers change (a new result); the instance's
    // password and DATABASE_URL follow it, so the config hash, and with it every host's deploy
    // trigger, changes: a rolling redeploy.
    const newPassword = String(only(rotated, PASSWORD).state.result);
    assert.notEqual(newPassword, before.state.result);
    assert.equal(only(rotated, INSTANCE).inputs.password, newPassword);
    const [oldDeploy, newDeploy] = [
      deploys(staging)[0],
      deploys(rotated)[0],
    ] as RegisteredResource[];
    assert.ok(envOf(newDeploy as RegisteredResource).DATABASE_URL?.includes(`:${newPassword}@`));
    assert.notDeepEqual(newDeploy?.inputs.triggers, oldDeploy?.inputs.triggers);
  });

  it("the database output is the instance's hostname, not a secret and without the password", () => {
    assert.equal(prod.outputs.database, only(prod, INSTANCE).state.address);
    assert.ok(!prod.secretOutputPaths.includes("database"));
  });

  describe("with rdsProxy", () => {
    it("DATABASE_URL points at the proxy, which requires TLS and signs in with its own secret", () => {
      const proxy = only(proxied, "aws:rds/proxy:Proxy");
      assert.equal(proxy.inputs.engineFamily, "POSTGRESQL");
      assert.equal(proxy.inputs.requireTls, true);
      const secret = only(proxied, "aws:secretsmanager/secret:Secret");
      const auths = proxy.inputs.auths as Record<string, unknown>[];
      assert.deepEqual(
        auths.map((a) => [a.authScheme, a.secretArn, a.iamAuth]),
        [["SECRETS", secret.state.arn, "DISABLED"]],
      );
      for (const deploy of deploys(proxied)) {
        const url = new URL(envOf(deploy).DATABASE_URL ?? "");
        assert.equal(url.hostname, proxy.state.endpoint);
        assert.equal(url.searchParams.get("sslmode"), "require");
      }
      assert.equal(proxied.outputs.database, proxy.state.endpoint);
      const target = only(proxied, "aws:rds/proxyTarget:ProxyTarget");
      assert.equal(target.inputs.dbInstanceIdentifier, only(proxied, INSTANCE).state.identifier);
    });

    it("the proxy's secret holds the credentials only as a secret", () => {
      const version = only(proxied, "aws:secretsmanager/secretVersion:SecretVersion");
      assert.ok(version.secretInputPaths.includes("secretString"));
      const password = String(only(proxied, PASSWORD).state.result);
      assert.deepEqual(JSON.parse(String(version.inputs.secretString)), {
        username: "berth",
        password,
      });
      assert.deepEqual(plainTextOccurrences(proxied, password), []);
    });

    it("the proxy's role may read that one secret and nothing else", () => {
      const role = proxied.get("aws:iam/role:Role", "shop-api-db-proxy");
      const policies = proxied
        .ofType("aws:iam/rolePolicy:RolePolicy")
        .filter((p) => p.name.startsWith("shop-api-db-"));
      assert.equal(policies.length, 1);
      const document = JSON.parse(String(policies[0]?.inputs.policy)) as {
        Statement: { Effect: string; Action: string[]; Resource: string }[];
      };
      const secret = only(proxied, "aws:secretsmanager/secret:Secret");
      assert.deepEqual(
        document.Statement.map((s) => [s.Effect, s.Action, s.Resource]),
        [["Allow", ["secretsmanager:GetSecretValue"], secret.state.arn]],
      );
      const trust = JSON.parse(String(role.inputs.assumeRolePolicy)) as {
        Statement: { Principal: unknown }[];
      };
      assert.deepEqual(
        trust.Statement.map((s) => s.Principal),
        [{ Service: "rds.amazonaws.com" }],
      );
    });

    it("the proxy admits the hosts and reaches the database; the database admits the hosts and the proxy", () => {
      const dbRules = securityGroupRules(proxied, "shop-api").filter((r) =>
        r.group.startsWith("db"),
      );
      assert.deepEqual(
        dbRules,
        [
          rule("db", "in", "5432-5432", "sg:db-proxy"),
          rule("db", "in", "5432-5432", "sg:hosts"),
          rule("db-proxy", "in", "5432-5432", "sg:hosts"),
          rule("db-proxy", "out", "5432-5432", "sg:db"),
        ].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
      );
    });
  });
});
