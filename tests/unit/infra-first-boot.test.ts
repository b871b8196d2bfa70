/**
 * A host's first boot installs its packages once (cloud-init), so its route to the internet (or
 * to the VPC endpoints) must exist before the instance is created. Under the real engine a
 * resource is created only after everything it depends on; these tests check the dependencies.
 */
import assert from "node:assert/strict";
import {
  ProgramRun,
  RegisteredResource,
  runProgram,
  runStackOnce,
} from "../support/pulumi/runProgram";

const INSTANCE = "aws:ec2/instance:Instance";
const hostInstances = (run: ProgramRun) =>
  run.ofType(INSTANCE).filter((i) => /-hosts-host-\d+$/.test(i.name));
const dependsOn = (r: RegisteredResource, other: RegisteredResource) =>
  r.dependencies.includes(other.urn);

function assertBootsAfter(run: ProgramRun, types: string[]) {
  const egress = run.resources.filter((r) => types.includes(r.type));
  assert.ok(egress.length > 0, `${run.stack}: none of ${types.join(", ")}`);
  for (const host of hostInstances(run))
    for (const resource of egress)
      assert.ok(
        dependsOn(host, resource),
        `${run.stack}: ${host.name} may boot before ${resource.type} ${resource.name} exists`,
      );
}

describe("first boot: hosts are created only once their egress exists", () => {
  it("prod (private subnets): after the NAT gateway, every route table and association, the S3 endpoint", async () => {
    assertBootsAfter(await runStackOnce("prod"), [
      "aws:ec2/natGateway:NatGateway",
      "aws:ec2/routeTable:RouteTable",
      "aws:ec2/routeTableAssociation:RouteTableAssociation",
      "aws:ec2/vpcEndpoint:VpcEndpoint",
      "aws:ec2/internetGateway:InternetGateway",
    ]);
  });

  it("staging (public subnets): after the internet gateway, its route table and associations", async () => {
    assertBootsAfter(await runStackOnce("staging"), [
      "aws:ec2/internetGateway:InternetGateway",
      "aws:ec2/routeTable:RouteTable",
      "aws:ec2/routeTableAssociation:RouteTableAssociation",
    ]);
  });

  it("egress through endpoints only: after the ECR and SSM interface endpoints too", async () => {
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
    const endpoints = run.ofType("aws:ec2/vpcEndpoint:VpcEndpoint");
    assert.equal(
      endpoints.length,
      6,
      "s3, ecr.api, ecr.dkr, ssm (the hosts' SSH host keys), monitoring (the CloudWatch agent), logs (the app's logs)",
    );
    assertBootsAfter(run, ["aws:ec2/vpcEndpoint:VpcEndpoint"]);
  });
});
