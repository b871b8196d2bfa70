import * as aws from "@pulumi/aws";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { fsbp } from "../lib/metadata";

const FIX =
  "Set encrypted: true on the root block device, every EBS block device and every EBS volume.";

export const ebsEncrypted: ResourceValidationPolicy = {
  name: "ebs-volumes-encrypted",
  description:
    "Every EBS volume is encrypted at rest: instance root and extra block devices, launch template " +
    "mappings and standalone volumes set encrypted = true rather than trusting the account default " +
    "(Security Hub FSBP EC2.3; EC2.7 is the account-wide default).",
  enforcementLevel: "mandatory",
  severity: "high",
  framework: fsbp("EC2.3", "Attached Amazon EBS volumes should be encrypted at-rest"),
  remediationSteps: FIX,
  validateResource: [
    validateResourceOfType(aws.ec2.Instance, (instance, _args, reportViolation) => {
      if (instance.rootBlockDevice?.encrypted !== true) {
        reportViolation(
          "rootBlockDevice.encrypted is not true; the root volume would be stored unencrypted.",
        );
      }
      for (const device of instance.ebsBlockDevices ?? []) {
        if (device.encrypted !== true) {
          reportViolation(`ebsBlockDevices[${device.deviceName}].encrypted is not true.`);
        }
      }
    }),
    validateResourceOfType(aws.ec2.LaunchTemplate, (template, _args, reportViolation) => {
      for (const mapping of template.blockDeviceMappings ?? []) {
        if (mapping.ebs && mapping.ebs.encrypted !== "true") {
          reportViolation(
            `blockDeviceMappings[${mapping.deviceName}].ebs.encrypted is not "true".`,
          );
        }
      }
    }),
    validateResourceOfType(aws.ebs.Volume, (volume, _args, reportViolation) => {
      if (volume.encrypted !== true) {
        reportViolation("EBS volume has encrypted unset or false.");
      }
    }),
  ],
};
