import type { Policies } from "@pulumi/policy";
import { ebsEncrypted } from "./ebs";
import {
  allowedInstanceTypes,
  imdsHopLimit,
  imdsv2Required,
  userDataNoCredentials,
} from "./ec2-instances";
import {
  ecrImmutableTags,
  ecrLifecyclePolicy,
  ecrNoForceDeleteInProduction,
  ecrScanOnPush,
} from "./ecr";
import {
  iamNoAdminManagedPolicies,
  iamNoWildcardActions,
  iamTrustNoWildcardPrincipal,
} from "./iam";
import { httpRedirectsToHttps, httpsListenerModernTls } from "./listeners";
import {
  albAccessLogsInProduction,
  albSpansZones,
  albDeletionProtectionInProduction,
  albDesyncMitigation,
  albDropsInvalidHeaders,
  albIdleTimeout,
} from "./load-balancer";
import { subnetNoAutoPublicIp, vpcFlowLogs } from "./network";
import {
  remoteCommandDialBounded,
  remoteCommandNoSecretStdoutLogging,
  remoteCommandNotRoot,
  remoteCommandPinsHostKey,
} from "./remote-commands";
import {
  combinedIngressWebPortsOnly,
  sshRestricted,
  worldIngressWebPortsOnly,
} from "./security-groups";
import { s3Lifecycle, s3PublicAccessBlocked, s3TlsOnly } from "./s3";
import { requiredTags } from "./tags";
import { deregistrationDelay, healthCheckResponsive } from "./target-groups";
import {
  appHostsNotWorldReachable,
  appHostsPublicIpOutsideProduction,
  productionAppHostsNoPublicIp,
  productionHostsSpanZones,
} from "./app-hosts";
import { releaseRollsInBatches } from "./release";
import {
  rdsAutoMinorVersionUpgrade,
  rdsAutomatedBackups,
  rdsDeletionProtectionInProduction,
  rdsLogsExported,
  rdsMultiAzInProduction,
  rdsNotPubliclyAccessible,
  rdsStorageEncrypted,
  rdsTlsEnforced,
} from "./rds";
import { productionAlarmsNotify } from "./alarms";

/** Every rule of the berth pack, in the order the README's table lists them. */
export const policies: Policies = [
  // EC2 hosts
  imdsv2Required,
  imdsHopLimit,
  ebsEncrypted,
  allowedInstanceTypes,
  userDataNoCredentials,
  // App hosts as a fleet
  productionAppHostsNoPublicIp,
  appHostsPublicIpOutsideProduction,
  productionHostsSpanZones,
  appHostsNotWorldReachable,
  // Network
  sshRestricted,
  worldIngressWebPortsOnly,
  combinedIngressWebPortsOnly,
  subnetNoAutoPublicIp,
  vpcFlowLogs,
  // Load balancer
  albDropsInvalidHeaders,
  albDesyncMitigation,
  albDeletionProtectionInProduction,
  albAccessLogsInProduction,
  albIdleTimeout,
  albSpansZones,
  httpsListenerModernTls,
  httpRedirectsToHttps,
  healthCheckResponsive,
  deregistrationDelay,
  // Image registry
  ecrScanOnPush,
  ecrImmutableTags,
  ecrLifecyclePolicy,
  ecrNoForceDeleteInProduction,
  // Log archive (S3)
  s3PublicAccessBlocked,
  s3TlsOnly,
  s3Lifecycle,
  // Database (RDS)
  rdsNotPubliclyAccessible,
  rdsStorageEncrypted,
  rdsMultiAzInProduction,
  rdsDeletionProtectionInProduction,
  rdsAutomatedBackups,
  rdsAutoMinorVersionUpgrade,
  rdsTlsEnforced,
  rdsLogsExported,
  // IAM
  iamNoWildcardActions,
  iamNoAdminManagedPolicies,
  iamTrustNoWildcardPrincipal,
  // Release over SSH
  remoteCommandNoSecretStdoutLogging,
  remoteCommandNotRoot,
  remoteCommandPinsHostKey,
  remoteCommandDialBounded,
  releaseRollsInBatches,
  // Alarms
  productionAlarmsNotify,
  // Ownership
  requiredTags,
];
