import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { TelemetryEvent } from '../model/event.js';
import { AuthLogParser, followJournal, LogFollower, parseJournalLine } from '../sources/authlog/index.js';
import type { EventFeed } from './agent.js';
import type { AgentConfig } from './config.js';

const ABSENT_POLL_MS = 15_000;

type FeedLog = (msg: string, fields?: Record<string, unknown>) => void;

function newParser(hostId: string, source: string): AuthLogParser {
  // Lines without a year or time are being written now: the clock is the best estimate of when.
  return new AuthLogParser({ hostId, referenceTime: Date.now(), fallbackTime: () => Date.now(), source });
}

/**
 * One auth log file followed across rotation. The current file is read from its start first (as `scan` reads it),
 * so an attack that began before the agent started is counted whole; rotated files are `minewarden logs`' job.
 */
export function authFileFeed(file: string, hostId: string, pollMs: number, log?: FeedLog): EventFeed {
  let follower: LogFollower | null = null;
  let errors = 0;
  let lastError: string | undefined;
  // Made with the first line: its tables take ~0.7 MB, and most hosts have only one of auth.log and secure.
  let parser: AuthLogParser | null = null;
  return {
    name: `authlog:${file}`,
    start(push) {
      follower = new LogFollower(file, {
        pollMs,
        onLines: (lines) => {
          parser ??= newParser(hostId, 'authlog');
          for (const l of lines) for (const e of parser.parseLine(l)) push(e);
        },
        onError: (err) => {
          errors++;
          const msg = err.message.slice(0, 200);
          // Said once per distinct error (an unreadable log fails the same way every poll).
          if (msg !== lastError) log?.('auth log unreadable', { file, error: msg });
          lastError = msg;
        },
      });
      follower.start();
    },
    async stop() {
      await follower?.stop();
    },
    status() {
      return {
        mode: 'file',
        file,
        exists: existsSync(file),
        lines: parser?.stats.lines ?? 0,
        events: parser?.stats.events ?? 0,
        rotations: follower?.stats.rotations ?? 0,
        errors,
        ...(lastError ? { lastError } : {}),
      };
    },
  };
}

/** sshd from the systemd journal, from now on (`journalctl -f`). */
export function authJournalFeed(hostId: string, log?: FeedLog): EventFeed {
  let stop: (() => void) | null = null;
  let exited: string | undefined;
  const parser = newParser(hostId, 'journal');
  return {
    name: 'authlog:journal',
    start(push: (e: TelemetryEvent) => void) {
      stop = followJournal({
        follow: true,
        onLine: (l) => {
          for (const e of parseJournalLine(parser, l)) push(e);
        },
        onExit: (code, stderr) => {
          exited = `journalctl ${code === null ? 'could not run' : `exited ${code}`}: ${stderr.trim().slice(0, 200)}`;
          log?.('journal follow ended', { detail: exited });
        },
      });
    },
    async stop() {
      stop?.();
    },
    status() {
      return {
        mode: 'journal',
        lines: parser.stats.lines,
        events: parser.stats.events,
        ...(exited ? { exited } : {}),
      };
    },
  };
}

function onPath(cmd: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return (env.PATH ?? '').split(delimiter).some((d) => d !== '' && existsSync(join(d, cmd)));
}

/**
 * The auth-log feeds the config asks for under `root`: every listed file, plus the journal when asked, or in "auto"
 * when none of the files exists on the live root (a host logging sshd to both would otherwise count every failure
 * twice).
 */
export function authFeeds(
  cfg: AgentConfig['sources']['authLog'],
  root: string,
  hostId: string,
  log?: FeedLog,
): EventFeed[] {
  if (!cfg.enabled) return [];
  const prefix = root === '/' ? '' : root.replace(/\/+$/, '');
  const files = cfg.paths.map((p) => `${prefix}${p}`);
  // A file that is not there at start (most hosts have only one of auth.log and secure; journal-only hosts neither)
  // is looked for every ABSENT_POLL_MS instead of every pollMs: a failing stat each second was most of a live
  // follower's cost. A log that appears later is still followed from its start, at most that much later.
  const feeds = files.map((f) =>
    authFileFeed(f, hostId, existsSync(f) ? cfg.pollMs : Math.max(cfg.pollMs, ABSENT_POLL_MS), log),
  );
  const journal =
    cfg.journal === 'on' ||
    (cfg.journal === 'auto' && root === '/' && !files.some((f) => existsSync(f)) && onPath('journalctl'));
  if (journal) feeds.push(authJournalFeed(hostId, log));
  return feeds;
}
