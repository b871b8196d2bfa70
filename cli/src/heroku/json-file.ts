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
 * Parses JSON text, or throws one {@link InputFileError} with the line and column of the fault
 * (from the position Node's parser reports; the end of the text when it ran out).
 */
export function parseJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = /at position (\d+)/.exec(message)?.[1];
    const offset = position === undefined ? text.length : Number(position);
    const { line, column } = lineAndColumn(text, offset);
    const reason = message
      .replace(/^JSON\.parse: /, "")
      .replace(/ in JSON at position \d+.*$/, "")
      .replace(/ \(line \d+ column \d+\)$/, "");
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
  options: { showValue?: boolean } = { showValue: true },
): InputFileError {
  const shown =
    options.showValue === false ? describeType(got) : (JSON.stringify(got) ?? "nothing");
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
