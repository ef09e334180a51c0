import { type Command, InvalidArgumentError, Option } from 'commander';
import { SEVERITIES, type Severity } from '../model/severity.js';

export const FORMATS = ['table', 'json', 'ndjson', 'sarif'] as const;
export type Format = (typeof FORMATS)[number];

export interface CommonOptions {
  format: Format;
  failOn: Severity;
}

/** Every command takes --format and --fail-on (DESIGN.md); pass the formats the command can print. */
export function withCommonOptions(
  cmd: Command,
  formats: readonly Format[] = ['table', 'json', 'ndjson'],
): Command {
  return cmd
    .addOption(new Option('--format <format>', 'output format').choices(formats).default('table'))
    .addOption(
      new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity')
        .choices(SEVERITIES)
        .default('high'),
    );
}

export function parsePositiveInt(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive integer`);
    return n;
  };
}

export function parseNonNegativeInt(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0)
      throw new InvalidArgumentError(`${name} must be a non-negative integer`);
    return n;
  };
}
