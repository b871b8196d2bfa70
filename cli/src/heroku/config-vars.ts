import { InputFileError } from "./input-error";
import { describeType, isPlainObject, lineOfPath, parseJsonText } from "./json-file";

/**
 * Parses `heroku config --json` output: one flat JSON object of NAME: "value" strings. Values
 * are never echoed in an error (they are the app's secrets); the name and the line are.
 */
export function parseHerokuConfig(text: string, file = "heroku-config.json"): Map<string, string> {
  const parsed = parseJsonText(text, file);
  if (!isPlainObject(parsed))
    throw new InputFileError(
      file,
      1,
      `must be one JSON object of NAME: "value" (the output of heroku config --json), got ${describeType(parsed)}`,
    );
  const vars = new Map<string, string>();
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value !== "string")
      throw new InputFileError(
        file,
        lineOfPath(text, [name]),
        `${name} must be a string, as heroku config --json prints every value (got ${describeType(value)})`,
      );
    vars.set(name, value);
  }
  return vars;
}
