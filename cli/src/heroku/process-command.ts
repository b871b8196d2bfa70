/**
 * A Procfile command as the argv berth runs. Heroku runs each command through a shell, so `$PORT`
 * and `&&` work there; berth starts the image with an argv and no shell. Plain words become the
 * argv as they are; anything with shell syntax runs under `sh -c`, with `exec` in front when it
 * is one simple command, so the app (not the shell) is the container's first process and gets
 * docker's SIGTERM for a graceful stop.
 */
export interface ProcessArgv {
  argv: string[];
  /** Why it runs under a shell, or undefined when it does not. */
  shell?: string;
}

const PLAIN_WORDS = /^[A-Za-z0-9_./:=@%+,-]+(?:[ \t]+[A-Za-z0-9_./:=@%+,-]+)*$/;
// Lists, pipes, background jobs, subshells and redirections: more than one simple command.
const COMPOUND = /&&|\|\||[;|&()<>`\n]|\$\(/;
const LEADING_ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

export function processArgv(command: string): ProcessArgv {
  const trimmed = command.trim();
  if (PLAIN_WORDS.test(trimmed) && !LEADING_ASSIGNMENT.test(trimmed))
    return { argv: trimmed.split(/[ \t]+/) };
  if (COMPOUND.test(trimmed) || LEADING_ASSIGNMENT.test(trimmed) || trimmed.startsWith("exec "))
    return {
      argv: ["sh", "-c", trimmed],
      shell:
        "it is more than one simple command (or sets variables first), so it runs under sh -c as on Heroku; the shell is the container's first process, so make sure the app still gets SIGTERM (end it with exec)",
    };
  return {
    argv: ["sh", "-c", `exec ${trimmed}`],
    shell: `it uses shell syntax (${shellFeature(trimmed)}), so it runs under sh -c with exec, as on Heroku${/\$\{?PORT\b/.test(trimmed) ? "; berth sets PORT to berth:web.port" : ""}`,
  };
}

function shellFeature(command: string): string {
  if (/\$\{?[A-Za-z_]/.test(command)) return "variables like $PORT";
  if (/["']/.test(command)) return "quotes";
  if (/[*?[\]~]/.test(command)) return "globs";
  return "characters a shell interprets";
}
