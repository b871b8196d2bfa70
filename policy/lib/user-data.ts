import { gunzipSync } from "node:zlib";
import { parse } from "yaml";

/**
 * Every text a host would see in its user data, decoded the ways cloud-init decodes it, so a rule
 * can scan them: the user data itself (plain, or base64 as userDataBase64 and launch templates
 * carry it, gzip-compressed or not) and, in a #cloud-config, each `write_files` entry's content
 * with its `encoding` undone (b64/base64, gz/gzip, gz+b64 and the other spellings cloud-init
 * accepts). A file that is itself cloud-config is opened again, a few levels deep.
 */

const MAX_DEPTH = 3;

/** cloud-init's write_files encodings (cc_write_files.py), by what has to be undone. */
const BASE64_ENCODINGS = ["b64", "base64"];
const GZIP_ENCODINGS = ["gz", "gzip"];
const GZIP_BASE64_ENCODINGS = ["gz+b64", "gz+base64", "gzip+b64", "gzip+base64"];

function isGzip(bytes: Buffer): boolean {
  return bytes.length > 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Bytes as text, gunzipped first when they are gzip; "" when they cannot be read. */
function bytesToText(bytes: Buffer): string {
  try {
    return (isGzip(bytes) ? gunzipSync(bytes) : bytes).toString("utf8");
  } catch {
    return "";
  }
}

/** Base64 text (whitespace allowed) as text, gunzipped when the payload is gzip. */
export function decodeBase64Text(text: string): string {
  return bytesToText(Buffer.from(text.replace(/\s+/g, ""), "base64"));
}

interface WriteFile {
  path?: unknown;
  content?: unknown;
  encoding?: unknown;
}

/** A write_files entry's content as the file on the host will hold it. */
function fileContent(file: WriteFile): string {
  const content = file.content;
  // YAML !!binary arrives as bytes (the usual way to write `encoding: gz`).
  if (content instanceof Uint8Array) return bytesToText(Buffer.from(content));
  if (typeof content !== "string") return "";
  const encoding = String(file.encoding ?? "")
    .trim()
    .toLowerCase();
  if (BASE64_ENCODINGS.includes(encoding) || GZIP_BASE64_ENCODINGS.includes(encoding))
    return decodeBase64Text(content);
  if (GZIP_ENCODINGS.includes(encoding)) return bytesToText(Buffer.from(content, "latin1"));
  return content;
}

/** The write_files entries of a #cloud-config document; none when it is not one. */
function writeFilesOf(text: string): WriteFile[] {
  if (!/^#cloud-config\b/.test(text.trimStart())) return [];
  try {
    const doc = parse(text, { customTags: ["binary"], uniqueKeys: false }) as {
      write_files?: unknown;
    } | null;
    return Array.isArray(doc?.write_files) ? (doc.write_files as WriteFile[]) : [];
  } catch {
    return [];
  }
}

/** One decoded text and where it comes from, for messages. */
export interface UserDataText {
  /** "userData", "userDataBase64", or "write_files entry /etc/app.env (encoding gz+b64)". */
  where: string;
  text: string;
}

function expand(where: string, text: string, depth: number, into: UserDataText[]): void {
  if (text.length === 0) return;
  into.push({ where, text });
  if (depth >= MAX_DEPTH) return;
  for (const file of writeFilesOf(text)) {
    const encoding = typeof file.encoding === "string" ? ` (encoding ${file.encoding})` : "";
    expand(
      `write_files entry ${String(file.path ?? "?")}${encoding}`,
      fileContent(file),
      depth + 1,
      into,
    );
  }
}

/**
 * The texts to scan in user data given as plain text (`userData` of instances) and/or as base64
 * (`userDataBase64`, and the `userData` of launch templates, which AWS takes as base64).
 */
export function userDataTexts(
  plain: { key: string; value?: string | undefined }[],
  base64: { key: string; value?: string | undefined }[] = [],
): UserDataText[] {
  const texts: UserDataText[] = [];
  for (const { key, value } of plain) if (value) expand(key, value, 0, texts);
  for (const { key, value } of base64) if (value) expand(key, decodeBase64Text(value), 0, texts);
  return texts;
}
