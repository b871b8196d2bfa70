import { CliError } from "../pulumi";

/**
 * Malformed input from one of the files the importer reads: one line naming the file and, where
 * it is known, the line (`Procfile:3: ...`). Exit code 2, like any other bad input on the command
 * line.
 */
export class InputFileError extends CliError {
  constructor(file: string, line: number | undefined, message: string) {
    super(`${file}${line === undefined ? "" : `:${line}`}: ${message}`, 2);
    this.name = "InputFileError";
  }
}
