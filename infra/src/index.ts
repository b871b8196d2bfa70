/**
 * The berth Pulumi program: `pulumi up -s staging` / `pulumi up -s prod`.
 * Everything is built by createBerthStack (program.ts) from the stack's validated config.
 */
import { createBerthStack } from "./program";

const stack = createBerthStack();

export const url = stack.url;
export const digest = stack.digest;
export const proxyDigest = stack.proxyDigest;
export const hosts = stack.hosts;
export const bastion = stack.bastion;
export const sshUser = stack.sshUser;
export const logBucket = stack.logBucket;
export const releases = stack.releases;
export const database = stack.database;
