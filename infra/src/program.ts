import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { RegistryLogin } from "./agent/contract";
import { cloudWatchAgentConfig, CW_AGENT_NAMESPACE } from "./alarms";
import { architectureOf, dockerPlatform } from "./ami";
import {
  certificateAccountProblem,
  ConfigError,
  loadStackConfig,
  nginxClientKeepaliveSeconds,
  StackConfig,
  stackNameProblem,
} from "./config";
import { readAgentScript, readInstallHostKeyScript, readInstallPackagesScript } from "./files";
import { buildReleaseSpec } from "./releaseSpec";
import { AppLogGroups } from "./components/appLogGroups";
import { Bastion } from "./components/bastion";
import { Database } from "./components/database";
import { secretEnvNames, withDatabaseEnv } from "./database/releaseEnv";
import { databaseSettings, isProductionStage } from "./database/settings";
import { ContainerImage } from "./components/containerImage";
import { DomainAliases, DomainCertificate } from "./components/domain";
import { HealthyTarget } from "./components/healthyTarget";
import { Hosts } from "./components/hosts";
import { LoadBalancer } from "./components/loadBalancer";
import { LogArchive } from "./components/logArchive";
import { Network } from "./components/network";
import { Release, SSH_USER } from "./components/release";
import { renderCloudConfig } from "./cloudConfig";
import { Deferred, deferred } from "./deferred";
import { createMonitoring } from "./monitoring";
import { HOST_HTTP_PORT } from "./components/network";

/** What `pulumi stack output` shows. Only the environment is secret, and it is not in here. */
export interface StackOutputs {
  /** Where the app answers: https://<berth:domain.name>, else https://<alb> with a certificate, else http://<alb>. */
  url: pulumi.Output<string>;
  /** The app image by digest (`repo@sha256:...`): what a promotion or rollback sets as berth:release.digest. */
  digest: pulumi.Output<string>;
  /** The proxy image by digest: berth:release.proxyDigest for a promotion or rollback. */
  proxyDigest: pulumi.Output<string>;
  /** Per host: zone, instance id, private and (public layout) public address. */
  hosts: pulumi.Output<unknown>[];
  /** The bastion's public IP, or null. */
  bastion: pulumi.Output<string> | null;
  /** The bucket holding ALB access logs and VPC flow logs, or null. */
  logBucket: pulumi.Output<string> | null;
  /** The CloudWatch dashboard's name (berth:alarms), or null. */
  dashboard: string | null;
  /** The SNS topic alarms publish to (berth:alarms), or null. */
  alarmTopic: pulumi.Output<string> | null;
  /** The SSH user on hosts and bastion. */
  sshUser: string;
  /**
   * Per host name (and `bastion`): the SSH host public key every connection pins, the one the
   * program generated (or berth:ssh.hostKeys' override). The CLI pins these too.
   */
  hostKeys: Record<string, pulumi.Output<string>>;
  /** Per host name: the agent's summary of the release it ran (outcome, image, config hash, timings). */
  releases: Record<string, pulumi.Output<unknown>>;
  /** The database's hostname (the RDS Proxy's when there is one), or null without berth:database. */
  database: pulumi.Output<string> | null;
}

/**
 * What only the deploying account can tell: an ALB takes a certificate of its own account only,
 * and a placeholder ARN (Pulumi.prod.yaml ships AWS's example account) must not get as far as the
 * listener, after the VPC, NAT gateways and hosts exist. Every top-level component depends on
 * the result, so a failed check stops `up` before anything is created.
 */
function deployAccountCheck(config: StackConfig): pulumi.Output<pulumi.Resource[]> | undefined {
  const certificateArn = config.loadBalancer.certificateArn;
  if (certificateArn === undefined) return undefined;
  return aws.getCallerIdentityOutput().accountId.apply((accountId) => {
    const problem = certificateAccountProblem(certificateArn, accountId);
    if (problem) throw new ConfigError(problem);
    return [];
  });
}

/** Builds the whole stack from its config. The entry point (index.ts) and the tests call this. */
export function createBerthStack(config: StackConfig = loadStackConfig()): StackOutputs {
  // Per host: its target healthy behind the ALB after its release. The next host's instance waits
  // for it, but the ALB and the release are created after the hosts.
  const serving = Array.from({ length: config.hosts.count }, () => deferred<pulumi.Resource[]>());
  try {
    return createStack(config, serving);
  } finally {
    // After a failure the hosts must not wait for ever on waits that were never created.
    for (const gate of serving) gate.resolve([]);
  }
}

function createStack(config: StackConfig, serving: Deferred<pulumi.Resource[]>[]): StackOutputs {
  const stack = pulumi.getStack();
  const badStackName = stackNameProblem(stack);
  if (badStackName) throw new ConfigError(badStackName);
  const base = { app: config.app, stack, tags: config.tags };
  const arch = architectureOf(config.hosts.instanceType);
  const sshPrivateKey = pulumi.secret(config.sshPrivateKey);
  const agent = readAgentScript();
  const accountCheck = deployAccountCheck(config);
  const checked: pulumi.ComponentResourceOptions = accountCheck ? { dependsOn: accountCheck } : {};

  const network = new Network(
    config.app,
    {
      ...base,
      region: config.region,
      vpcCidr: config.network.vpcCidr,
      availabilityZones: config.network.availabilityZones,
      hostSubnets: config.network.hostSubnets,
      egress: config.network.egress,
      sshAllowedCidrs: config.ssh.allowedCidrs,
      bastion: config.bastion.enabled,
      https: config.loadBalancer.certificateArn !== undefined || config.domain !== undefined,
      hostMetrics: config.alarms.enabled,
      hostLogs: config.appLogs.enabled,
    },
    checked,
  );

  const images = {
    app: new ContainerImage(
      `${config.app}-app`,
      {
        ...base,
        role: "app",
        context: "app-image",
        platform: dockerPlatform(arch),
        keepImages: config.image.keepImages,
        keepReleases: config.release.keepReleases,
        region: config.region,
        digest: config.release.digest,
      },
      checked,
    ),
    proxy: new ContainerImage(
      `${config.app}-proxy`,
      {
        ...base,
        role: "proxy",
        context: "nginx",
        platform: dockerPlatform(arch),
        keepImages: config.image.keepImages,
        keepReleases: config.release.keepReleases,
        region: config.region,
        digest: config.release.proxyDigest,
      },
      checked,
    ),
  };

  // The registries the hosts pull from, through the ECR credential helper and the instance role.
  // Known from the repositories (or the configured digests), so the hosts boot while the images build.
  const registryHosts = pulumi
    .all([images.app.registryHost, images.proxy.registryHost])
    .apply((hostsList) => [...new Set(hostsList)].sort());
  const installHostKeyScript = readInstallHostKeyScript();
  const userData = (hostKeyParameterName: string) =>
    registryHosts.apply((hostsList) =>
      renderCloudConfig({
        app: config.app,
        stack,
        registryHosts: hostsList,
        trustedProxyCidr: config.network.trustedProxyCidr,
        installPackagesScript: readInstallPackagesScript(),
        clientKeepaliveSeconds: nginxClientKeepaliveSeconds(config.loadBalancer.idleTimeoutSeconds),
        hostKey: {
          parameterName: hostKeyParameterName,
          region: config.region,
          script: installHostKeyScript,
        },
        cloudWatchAgentConfig: config.alarms.enabled ? cloudWatchAgentConfig() : undefined,
      }),
    );

  // Before the hosts: the role's grant names them, and the agent's awslogs driver never creates one.
  const appLogs = config.appLogs.enabled
    ? new AppLogGroups(
        `${config.app}-app-logs`,
        { ...base, retentionInDays: config.appLogs.retentionInDays },
        checked,
      )
    : undefined;

  const hosts = new Hosts(
    `${config.app}-hosts`,
    {
      ...base,
      count: config.hosts.count,
      instanceType: config.hosts.instanceType,
      rootVolumeGiB: config.hosts.rootVolumeGiB,
      ami: config.hosts.ami,
      availabilityZones: config.network.availabilityZones,
      subnetIds: network.hostSubnetIds,
      securityGroupId: network.hostSecurityGroupId,
      publicIp: config.network.hostSubnets === "public",
      sshPublicKey: config.ssh.publicKey,
      userData,
      egressReady: network.egressReady,
      serving: serving.map((gate) => gate.promise),
      pullRepositoryArns: [images.app.pullRepositoryArn, images.proxy.pullRepositoryArn],
      agentMetricsNamespace: config.alarms.enabled ? CW_AGENT_NAMESPACE : undefined,
      appLogGroupArns: appLogs?.arns,
    },
    checked,
  );

  const bastion =
    config.bastion.enabled && network.bastionSecurityGroupId
      ? new Bastion(
          `${config.app}-bastion`,
          {
            ...base,
            instanceType: config.bastion.instanceType,
            subnetId: network.publicSubnetIds[0] as pulumi.Output<string>,
            securityGroupId: network.bastionSecurityGroupId,
            keyName: hosts.keyName,
            region: config.region,
            installHostKeyScript,
          },
          checked,
        )
      : undefined;

  const logs = config.logs.enabled
    ? new LogArchive(
        `${config.app}-logs`,
        {
          ...base,
          retentionDays: config.logs.retentionDays,
          vpcId: network.vpcId,
          region: config.region,
        },
        checked,
      )
    : undefined;

  const domainCertificate = config.domain
    ? new DomainCertificate(`${config.app}-domain`, { ...base, domain: config.domain }, checked)
    : undefined;

  const loadBalancer = new LoadBalancer(
    `${config.app}-lb`,
    {
      ...base,
      vpcId: network.vpcId,
      subnetIds: network.publicSubnetIds,
      securityGroupId: network.albSecurityGroupId,
      healthPath: config.web.healthPath,
      certificateArn: domainCertificate?.certificateArn ?? config.loadBalancer.certificateArn,
      deletionProtection: config.loadBalancer.deletionProtection,
      idleTimeoutSeconds: config.loadBalancer.idleTimeoutSeconds,
      accessLogs: logs ? { bucket: logs.bucketName, ready: logs.ready } : undefined,
      instanceIds: hosts.hosts.map((h) => h.instance.id),
    },
    checked,
  );

  if (config.domain && domainCertificate)
    new DomainAliases(
      `${config.app}-domain-aliases`,
      {
        domain: config.domain,
        zoneId: domainCertificate.zoneId,
        target: { dnsName: loadBalancer.dnsName, zoneId: loadBalancer.zoneId },
      },
      checked,
    );

  const monitoring = config.alarms.enabled
    ? createMonitoring(config, base, checked, {
        loadBalancer,
        hosts: hosts.hosts.map((h) => ({ name: h.name, instanceId: h.instance.id })),
        release: { app: images.app.imageByDigest, proxy: images.proxy.imageByDigest },
      })
    : undefined;

  const database = config.database
    ? new Database(
        `${config.app}-db`,
        {
          ...base,
          settings: databaseSettings(config.database, isProductionStage(stack, config.tags)),
          vpcId: network.vpcId,
          vpcCidr: config.network.vpcCidr,
          availabilityZones: config.network.availabilityZones,
          hostSecurityGroupId: network.hostSecurityGroupId,
        },
        checked,
      )
    : undefined;

  // DATABASE_URL joins the secret environment here, inside the secret spec: nowhere else.
  const spec = pulumi.secret(
    pulumi
      .all([images.app.imageByDigest, images.proxy.imageByDigest, database?.url])
      .apply(([app, proxy, databaseUrl]) =>
        buildReleaseSpec(withDatabaseEnv(config, databaseUrl), stack, { app, proxy }),
      ),
  );
  // On AWS the hosts sign in to ECR with the credential helper: no password travels at all.
  const registry = images.app.registryHost.apply((server): RegistryLogin => ({
    server,
    method: "helper",
  }));
  // The keys every connection pins: the generated ones, unless berth:ssh.hostKeys overrides one
  // (a host created before berth generated keys keeps the key it made itself).
  const pinnedKeys: Record<string, pulumi.Output<string>> = Object.fromEntries(
    hosts.hosts.map((h) => [h.name, overridden(h.name, h.hostKey)]),
  );
  if (bastion) pinnedKeys.bastion = overridden("bastion", bastion.hostKey);
  function overridden(name: string, generated: pulumi.Output<string>): pulumi.Output<string> {
    const explicit = config.ssh.hostKeys[name];
    return explicit === undefined ? generated : pulumi.output(explicit);
  }
  const release = new Release(
    `${config.app}-release`,
    {
      targets: hosts.hosts.map((h) => ({
        name: h.name,
        address:
          config.network.hostSubnets === "public" ? h.instance.publicIp : h.instance.privateIp,
        hostKey: pinnedKeys[h.name],
        dependsOn: [h.instance],
      })),
      batchSize: config.release.batchSize,
      releaseCommand: config.release.command !== null,
      spec,
      registry,
      agent,
      privateKey: sshPrivateKey,
      bastionAddress: bastion?.publicIp,
      bastionHostKey: pinnedKeys.bastion,
      secretNames: secretEnvNames(config),
    },
    checked,
  );

  hosts.hosts.forEach((h, i) => {
    const attachment = loadBalancer.attachments[i] as pulumi.Resource;
    const healthy = new HealthyTarget(
      `${config.app}-${h.name}-healthy`,
      {
        region: config.region,
        targetGroupArn: loadBalancer.targetGroupArn,
        instanceId: h.instance.id,
        port: HOST_HTTP_PORT,
        instanceType: h.instance.instanceType,
        host: h.name,
      },
      // Not after the host's release: the wait runs beside it (see HealthyTarget).
      { parent: loadBalancer, dependsOn: [attachment, h.instance, ...loadBalancer.listeners] },
    );
    serving[i]?.resolve([healthy]);
  });

  return {
    url: config.domain ? pulumi.output(`https://${config.domain.name}`) : loadBalancer.url,
    digest: images.app.imageByDigest,
    proxyDigest: images.proxy.imageByDigest,
    hosts: hosts.hosts.map((h) =>
      pulumi
        .all([h.instance.id, h.instance.privateIp, h.instance.publicIp])
        .apply(([id, privateIp, publicIp]) => ({
          name: h.name,
          zone: h.zone,
          instanceId: id,
          privateIp,
          publicIp: publicIp || null,
        })),
    ),
    bastion: bastion?.publicIp ?? null,
    logBucket: logs?.bucketName ?? null,
    dashboard: monitoring?.dashboard.dashboardName ?? null,
    alarmTopic: monitoring?.topic.topicArn ?? null,
    sshUser: SSH_USER,
    hostKeys: pinnedKeys,
    releases: release.summaries,
    database: database ? (database.proxyEndpoint ?? database.address) : null,
  };
}
