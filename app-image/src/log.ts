/** Structured logs: one JSON object per line on stdout, so a log shipper needs no parsing rules. */

export type LogFields = Record<string, unknown>;

export function log(level: "info" | "warn" | "error", msg: string, fields: LogFields = {}): void {
  process.stdout.write(
    `${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`,
  );
}

export function errorFields(error: unknown): LogFields {
  return error instanceof Error ? { error: error.message } : { error: String(error) };
}
