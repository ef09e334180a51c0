import type { EventFields } from '../../model/event.js';
import type { Bucket } from './bucket.js';
import type { SigmaRule } from './parse/rule.js';

/** Inputs longer than this (a swept file's content) are matched, not remembered: the key would cost more. */
const MAX_KEY_CHARS = 4096;
/** Key characters kept in all (~2 bytes each); past this the memo starts over. */
const MAX_MEMO_CHARS = 512 * 1024;

/**
 * The values of `fields` as one string, each with its type and length so that no two inputs share a key; null when
 * the values are too long to be worth remembering.
 */
export function memoKey(values: EventFields, fields: readonly string[]): string | null {
  let key = '';
  for (let i = 0; i < fields.length; i++) {
    const v = values[fields[i]!];
    if (typeof v === 'string') key += `s${v.length}:${v}`;
    else if (v === undefined) key += 'u';
    else if (v === null) key += 'z';
    else if (typeof v === 'number' || typeof v === 'boolean')
      key += `${typeof v === 'number' ? 'n' : 'b'}${v};`;
    else if (Array.isArray(v)) {
      key += `a${v.length}:`;
      for (const x of v as readonly unknown[]) {
        const t = String(x);
        key += `${typeof x === 'string' ? 's' : 'o'}${t.length}:${t}`;
      }
    } else return null;
    if (key.length > MAX_KEY_CHARS) return null;
  }
  return key;
}

/** Answers per bucket and key, bounded by the characters of the keys it holds. */
export class ResultMemo {
  private readonly byBucket = new Map<Bucket, Map<string, readonly SigmaRule[]>>();
  private chars = 0;
  hits = 0;
  misses = 0;

  get(b: Bucket, key: string): readonly SigmaRule[] | undefined {
    const found = this.byBucket.get(b)?.get(key);
    if (found === undefined) this.misses++;
    else this.hits++;
    return found;
  }

  set(b: Bucket, key: string, rules: readonly SigmaRule[]): void {
    if (this.chars + key.length > MAX_MEMO_CHARS) {
      this.byBucket.clear();
      this.chars = 0;
    }
    let m = this.byBucket.get(b);
    if (!m) {
      m = new Map();
      this.byBucket.set(b, m);
    }
    m.set(key, rules);
    this.chars += key.length;
  }
}
