import { InputFileError } from "./input-error";

/** One process type of a Procfile: `web: bundle exec puma -C config/puma.rb`. */
export interface ProcessType {
  name: string;
  command: string;
  /** 1-based line in the Procfile, for messages. */
  line: number;
}

// Heroku's process type names: letters, digits, dashes and underscores.
const PROCESS_LINE = /^([A-Za-z0-9_-]+)[ \t]*:[ \t]*(.*)$/;

/**
 * Parses a Procfile (Heroku's format: one `name: command` per line; blank lines and lines starting
 * with # are skipped). A malformed line, an empty command or a name used twice throws one
 * {@link InputFileError} naming the file and the line.
 */
export function parseProcfile(text: string, file = "Procfile"): ProcessType[] {
  const processes: ProcessType[] = [];
  const seen = new Map<string, number>();
  text.split("\n").forEach((raw, index) => {
    const line = index + 1;
    const content = raw.replace(/\r$/, "").trim();
    if (content === "" || content.startsWith("#")) return;
    const match = PROCESS_LINE.exec(content);
    if (!match)
      throw new InputFileError(
        file,
        line,
        `expected "name: command" (a process type of letters, digits, - or _, a colon, then the command), got ${JSON.stringify(clip(content))}`,
      );
    const [, name = "", command = ""] = match;
    if (command.trim() === "")
      throw new InputFileError(file, line, `process type "${name}" has no command after the colon`);
    const first = seen.get(name);
    if (first !== undefined)
      throw new InputFileError(
        file,
        line,
        `process type "${name}" is already defined on line ${first}; keep one`,
      );
    seen.set(name, line);
    processes.push({ name, command: command.trim(), line });
  });
  return processes;
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
