import { LineCounter, isMap, isSeq, parseDocument } from "yaml";
import { InputFileError } from "./input-error";

/** A path into a JSON value, as the messages show it: env.SECRET_KEY_BASE.required, addons[2]. */
export type JsonPath = readonly (string | number)[];

export function showPath(path: JsonPath): string {
  let text = "";
  for (const part of path)
    text += typeof part === "number" ? `[${part}]` : `${text ? "." : ""}${part}`;
  return text || "(the top level)";
}

/** Line (1-based) and column (1-based) of a character offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split("\n");
  return { line: lines.length, column: (lines[lines.length - 1] ?? "").length + 1 };
}

/**
 * Where JSON.parse gave up, for messages that carry no position ("Unexpected token 'x', ..."): the
 * longest prefix that is still valid, or valid so far, ends just before the fault.
 */
export function jsonErrorOffset(text: string): number {
  const validSoFar = (length: number) => {
    try {
      JSON.parse(text.slice(0, length));
      return true;
    } catch (error) {
      // Cut short, a prefix ends in an unfinished string or number: its fault is at its very end.
      const message = (error as Error).message;
      const position = /at position (\d+)/.exec(message)?.[1];
      return /Unexpected end of JSON input/.test(message) || Number(position) >= length;
    }
  };
  let low = 0;
  let high = text.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (validSoFar(middle)) low = middle;
    else high = middle - 1;
  }
  return low;
}

/**
 * Parses JSON text, or throws one {@link InputFileError} with the line and column of the fault
 * (the position Node's parser reports, or {@link jsonErrorOffset} when it reports none).
 */
export function parseJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = /at position (\d+)/.exec(message)?.[1];
    const offset = position === undefined ? jsonErrorOffset(text) : Number(position);
    const { line, column } = lineAndColumn(text, offset);
    const reason = message
      .replace(/^JSON\.parse: /, "")
      .replace(/ in JSON at position \d+.*$/, "")
      .replace(/ \(line \d+ column \d+\)$/, "")
      // V8 quotes the text around an unexpected token: never echo the file (it holds secrets).
      .replace(/^(Unexpected token '.'), .*$/s, "$1");
    throw new InputFileError(file, line, `column ${column}: not valid JSON: ${reason}`);
  }
}

/**
 * The line a JSON path starts on, or undefined. JSON is YAML, so the yaml library's source ranges
 * locate a value that JSON.parse has already accepted.
 */
export function lineOfPath(text: string, path: JsonPath): number | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false });
  let node: unknown = doc.contents;
  for (const part of path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => (item.key as { value?: unknown } | null)?.value === part,
      );
      if (!pair) return undefined;
      node = pair.value;
    } else if (isSeq(node) && typeof part === "number") {
      node = node.items[part];
    } else return undefined;
  }
  const start = (node as { range?: [number, number, number] } | null)?.range?.[0];
  return start === undefined ? undefined : lineCounter.linePos(start).line;
}

/** A type error at a JSON path: `file:line: path must be ... (got ...)`. */
export function typeError(
  text: string,
  file: string,
  path: JsonPath,
  expected: string,
  got: unknown,
): InputFileError {
  // app.json is committed with the app, so its values may be shown (the config dump's never are).
  const shown = JSON.stringify(got) ?? "nothing";
  return new InputFileError(
    file,
    lineOfPath(text, path),
    `${showPath(path)} must be ${expected} (got ${shown.length > 60 ? `${shown.slice(0, 57)}...` : shown})`,
  );
}

/** "a number", "an array", ... for a value that must not be echoed. */
export function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  const type = typeof value;
  return type === "object" ? "an object" : `a ${type}`;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
