import type { Policies } from "@pulumi/policy";
import { ebsEncrypted } from "./ebs";
import {
  allowedInstanceTypes,
  imdsHopLimit,
  imdsv2Required,
  noPublicIpInProduction,
  publicIpOutsideProduction,
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
  albDeletionProtectionInProduction,
  albDesyncMitigation,
  albDropsInvalidHeaders,
  albIdleTimeout,
} from "./load-balancer";
import { subnetNoAutoPublicIp, vpcFlowLogs } from "./network";
import {
  remoteCommandDialRetries,
  remoteCommandNoSecretStdoutLogging,
  remoteCommandNotRoot,
  remoteCommandPinsHostKey,
} from "./remote-commands";
import { sshRestricted, worldIngressWebPortsOnly } from "./security-groups";
import { requiredTags } from "./tags";
import { deregistrationDelay, healthCheckResponsive } from "./target-groups";
import {
  albSpansZones,
  hostsNotWorldReachable,
  productionHostsSpanZones,
  releaseRollsInBatches,
} from "./topology";

/** Every rule of the berth pack, in the order the README's table lists them. */
export const policies: Policies = [
  // EC2 hosts
  imdsv2Required,
  imdsHopLimit,
  noPublicIpInProduction,
  publicIpOutsideProduction,
  ebsEncrypted,
  allowedInstanceTypes,
  userDataNoCredentials,
  // Network
  sshRestricted,
  worldIngressWebPortsOnly,
  hostsNotWorldReachable,
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
  // IAM
  iamNoWildcardActions,
  iamNoAdminManagedPolicies,
  iamTrustNoWildcardPrincipal,
  // Release over SSH
  remoteCommandNoSecretStdoutLogging,
  remoteCommandNotRoot,
  remoteCommandPinsHostKey,
  remoteCommandDialRetries,
  releaseRollsInBatches,
  productionHostsSpanZones,
  // Ownership
  requiredTags,
];
