import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Detector } from '../detect/detector.js';
import { loadBuiltinPoolIntel, PoolIntel } from '../intel/pools/index.js';
import type { Policy } from '../respond/policy.js';
import type { BuiltinDetectorSet } from '../scan/detector-set.js';
import { CONTENT_KINDS, type ContentKind } from '../store/content.js';
import { type Checked, type ContentDoc, ContentDocSchema, checkDoc, rulesDetectors } from './content.js';
import { type HttpAnswer, httpRequest, jsonOf } from './http.js';

export interface ContentSyncOptions {
  server: string;
  credential: () => string;
  stateDir: string;
  pollMs: number;
  log?: (msg: string, f?: Record<string, unknown>) => void;
}

interface Applied {
  etag: string;
  version: string;
  checked: Checked;
}

export interface KindStatus {
  version: string | null;
  /** Why the last document the server sent was not applied (the previous one stays in force). */
  rejected?: string;
}

const SavedSchema = z.object({ etag: z.string().max(200), doc: ContentDocSchema });

/**
 * Polls the server's policy, custom rule pack and pool intel (ETag: a 304 costs one small request each), validates
 * each document with the same code the server used, and applies it: rules join the scan's detectors, intel is
 * merged after the built-in pool list, the policy decides what pushed bans may do. A document that fails
 * validation is refused and the previous one stays. What was applied is kept in the state dir, so a restart
 * without the server still runs the fleet's rules.
 */
export class ContentSync {
  polls = 0;
  /** Answers that were 304: nothing changed, nothing sent. */
  notModified = 0;
  failures = 0;
  private readonly applied = new Map<ContentKind, Applied>();
  private readonly rejected = new Map<ContentKind, string>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private pools: PoolIntel | null = null;
  private ruleDetectors: Detector[] = [];
  /** Bumped whenever the pushed rules or intel change: what scans remembered about files no longer holds. */
  generation = 0;
  private readonly dir: string;

  constructor(private readonly o: ContentSyncOptions) {
    this.dir = join(o.stateDir, 'content');
    for (const kind of CONTENT_KINDS) this.restore(kind);
  }

  private restore(kind: ContentKind): void {
    let text: string;
    try {
      text = readFileSync(join(this.dir, `${kind}.json`), 'utf8');
    } catch {
      return;
    }
    try {
      const saved = SavedSchema.parse(JSON.parse(text));
      this.apply(kind, saved.etag, saved.doc, false);
    } catch (err) {
      this.o.log?.('saved content ignored', { kind, error: (err as Error).message.slice(0, 200) });
    }
  }

  start(): void {
    void this.pollOnce();
    this.timer = setInterval(() => void this.pollOnce(), this.o.pollMs);
    this.timer.unref();
  }

  pollOnce(): Promise<void> {
    this.running ??= this.poll().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async poll(): Promise<void> {
    for (const kind of CONTENT_KINDS) {
      const have = this.applied.get(kind);
      let res: HttpAnswer;
      let doc: ContentDoc;
      try {
        res = await httpRequest(new URL(`/api/agent/${kind}`, this.o.server), {
          headers: {
            authorization: `Bearer ${this.o.credential()}`,
            ...(have ? { 'if-none-match': have.etag } : {}),
          },
          timeoutMs: 30_000,
        });
        if (res.status === 304) {
          this.notModified++;
          continue;
        }
        if (res.status < 200 || res.status >= 300) throw new Error(`HTTP ${res.status}`);
        doc = ContentDocSchema.parse(jsonOf(res));
        if (doc.kind !== kind) throw new Error(`asked for ${kind}, got ${doc.kind}`);
      } catch (err) {
        this.failures++;
        this.o.log?.('content unavailable', { kind, error: (err as Error).message.slice(0, 200) });
        return;
      }
      const etag = typeof res.headers.etag === 'string' ? res.headers.etag : '';
      // A refused document keeps its ETag out of If-None-Match, so it is fetched (and refused) again each poll
      // until the admin fixes it; the previous document stays in force meanwhile.
      this.apply(kind, etag, doc, true);
    }
    this.polls++;
  }

  private apply(kind: ContentKind, etag: string, doc: ContentDoc, save: boolean): void {
    const file = join(this.dir, `${kind}.json`);
    if (doc.version === null || doc.body === null) {
      if (!this.applied.has(kind)) return;
      this.applied.delete(kind);
      this.rejected.delete(kind);
      this.rebuild(kind);
      rmSync(file, { force: true });
      this.o.log?.('content removed', { kind });
      return;
    }
    let checked: Checked;
    try {
      checked = checkDoc({ ...doc, version: doc.version, body: doc.body });
    } catch (err) {
      const msg = (err as Error).message.slice(0, 500);
      if (this.rejected.get(kind) !== msg) this.o.log?.('content refused', { kind, error: msg });
      this.rejected.set(kind, msg);
      return;
    }
    this.applied.set(kind, { etag, version: doc.version, checked });
    this.rejected.delete(kind);
    this.rebuild(kind);
    if (save) {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      writeFileSync(`${file}.tmp`, JSON.stringify({ etag, doc }), { mode: 0o600 });
      renameSync(`${file}.tmp`, file);
      this.o.log?.('content applied', { kind, version: doc.version });
    }
  }

  private rebuild(kind: ContentKind): void {
    this.generation++;
    const c = this.applied.get(kind)?.checked;
    if (kind === 'intel')
      this.pools = c?.kind === 'intel' ? PoolIntel.merge(loadBuiltinPoolIntel(), c.intel) : null;
    if (kind === 'rules') this.ruleDetectors = c?.kind === 'rules' ? rulesDetectors(c) : [];
  }

  /** The pushed response policy, or null. */
  policy(): Policy | null {
    const c = this.applied.get('policy')?.checked;
    return c?.kind === 'policy' ? c.policy : null;
  }

  /** Built-in pools plus the pushed pack, or null while none is pushed. */
  poolIntel(): PoolIntel | null {
    return this.pools;
  }

  /**
   * The agent's built-in detectors with the pushed intel in place of the built-in pool list, plus the pushed rules;
   * undefined when nothing is pushed (the scan then uses the built-in set as it is). Sigma detection rules hold no
   * state, so the compiled pack is shared between scans.
   */
  detectors(builtin: BuiltinDetectorSet): Detector[] | undefined {
    if (!this.pools && this.ruleDetectors.length === 0) return undefined;
    return [...builtin.forScan(...(this.pools ? [this.pools] : [])), ...this.ruleDetectors];
  }

  /** The pushed Sigma pack as detectors; a new array whenever the pack changes. */
  rules(): readonly Detector[] {
    return this.ruleDetectors;
  }

  /** What the heartbeat reports. */
  versions(): Record<ContentKind, string | null> {
    return {
      policy: this.applied.get('policy')?.version ?? null,
      rules: this.applied.get('rules')?.version ?? null,
      intel: this.applied.get('intel')?.version ?? null,
    };
  }

  status(): Record<ContentKind, KindStatus> {
    const out = {} as Record<ContentKind, KindStatus>;
    for (const k of CONTENT_KINDS) {
      const r = this.rejected.get(k);
      out[k] = { version: this.applied.get(k)?.version ?? null, ...(r ? { rejected: r } : {}) };
    }
    return out;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
