// The pack's entry point, run by `pulumi preview|up --policy-pack policy`. Constructing the
// PolicyPack starts the analyzer's gRPC server, so tests import ./rules instead of this file.
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./rules";

new PolicyPack("berth", {
  description:
    "Guardrails for berth stacks: hardened EC2 hosts, tight security groups, a hardened ALB, ECR hygiene, least-privilege IAM and safe SSH releases.",
  provider: "aws",
  policies,
});
