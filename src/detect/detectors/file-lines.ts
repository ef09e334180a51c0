import type { TelemetryEvent } from '../../model/event.js';
import type { Entity } from '../../model/finding.js';
import { str } from './fields.js';

export interface MatchedLine {
  line: number;
  text: string;
}

const MAX_LINES = 10;
const MAX_TEXT = 500;

/** Non-comment lines of a swept file's content that `test` accepts, numbered from 1, cut for evidence. */
export function matchingLines(
  content: string,
  test: (line: string) => boolean,
  comments = true,
): MatchedLine[] {
  const out: MatchedLine[] = [];
  const lines = content.split('\n');
  for (let i = 0; i < lines.length && out.length < MAX_LINES; i++) {
    const raw = lines[i] ?? '';
    const t = raw.trim();
    if (!t || (comments && t.startsWith('#'))) continue;
    if (test(raw))
      out.push({ line: i + 1, text: raw.length > MAX_TEXT ? `${raw.slice(0, MAX_TEXT)}…` : raw });
  }
  return out;
}

export function fileEntity(e: TelemetryEvent): Entity {
  return { kind: 'file', path: str(e, 'file.path') ?? '' };
}

/** Files that a scheduler, init system or login shell will run: where persistence lives. */
export const RUNNABLE_KINDS = new Set(['cron', 'systemd', 'rc', 'profile', 'shell-rc']);
/** Of those, the ones that run without anyone logging in. */
export const UNATTENDED_KINDS = new Set(['cron', 'systemd', 'rc']);
