import * as pulumi from "@pulumi/pulumi";
import { tagsFor } from "../../naming";

/**
 * What each part of the network needs to add its resources to the Network. Every resource is a
 * direct child of the Network component (`{ parent: scope.parent }`): putting a component in
 * between would change their URNs, and Pulumi would replace the whole VPC.
 */
export interface NetworkScope {
  /** The Network's name: prefix of every resource's logical name. */
  name: string;
  /** The Network component: the parent of every resource. */
  parent: pulumi.Resource;
  /** The tags of one resource; its Name tag is `<name>-<suffix>`. */
  tags(suffix: string): Record<string, string>;
}

/** The scope of the Network component `parent` called `name`. */
export function networkScope(
  parent: pulumi.Resource,
  name: string,
  base: { app: string; stack: string; tags: Record<string, string> },
): NetworkScope {
  return {
    name,
    parent,
    tags: (suffix) => tagsFor(base, `${name}-${suffix}`),
  };
}
