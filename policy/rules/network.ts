import * as aws from "@pulumi/aws";
import {
  ResourceValidationPolicy,
  StackValidationPolicy,
  validateResourceOfType,
} from "@pulumi/policy";
import { fsbp } from "../lib/metadata";
import { ofType, refersTo } from "../lib/stack";

export const subnetNoAutoPublicIp: ResourceValidationPolicy = {
  name: "subnet-no-auto-public-ip",
  description:
    "Subnets do not hand every instance a public IPv4 address (mapPublicIpOnLaunch is not true); a host " +
    "that needs one asks for it explicitly. Advisory: a cheap staging's public host subnets may need it " +
    "(Security Hub FSBP EC2.15).",
  enforcementLevel: "advisory",
  severity: "medium",
  framework: fsbp(
    "EC2.15",
    "Amazon EC2 subnets should not automatically assign public IP addresses",
  ),
  remediationSteps: "Set mapPublicIpOnLaunch: false; the ALB does not need it.",
  validateResource: validateResourceOfType(aws.ec2.Subnet, (subnet, _args, reportViolation) => {
    if (subnet.mapPublicIpOnLaunch === true) {
      reportViolation(
        "mapPublicIpOnLaunch is true: every instance launched here gets a public IPv4 address.",
      );
    }
  }),
};

export const vpcFlowLogs: StackValidationPolicy = {
  name: "vpc-flow-logs",
  description:
    "Every VPC the stack creates has a flow log, so rejected and accepted connections can be investigated " +
    "after an incident. Advisory: flow logs cost storage and a small app may accept the gap " +
    "(Security Hub FSBP EC2.6).",
  enforcementLevel: "advisory",
  severity: "medium",
  framework: fsbp("EC2.6", "VPC flow logging should be enabled in all VPCs"),
  remediationSteps: 'Add an aws.ec2.FlowLog with vpcId and trafficType "ALL" (or "REJECT").',
  validateStack: (args, reportViolation) => {
    const vpcs = ofType(args.resources, aws.ec2.Vpc);
    if (vpcs.length === 0) args.notApplicable("no VPC created in this stack");
    const flowLogs = ofType(args.resources, aws.ec2.FlowLog);
    for (const vpc of vpcs) {
      if (!flowLogs.some((log) => refersTo(log, "vpcId", vpc))) {
        reportViolation(`VPC "${vpc.name}" has no flow log.`, vpc.urn);
      }
    }
  },
};
