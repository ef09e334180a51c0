import type { Detector, RuleMeta } from '../detector.js';
import { str } from './fields.js';
import { fileEntity, matchingLines } from './file-lines.js';

const meta: RuleMeta = {
  id: 'persist.ssh.known-bad-key',
  title: 'authorized_keys holds a key known from cryptojacking campaigns',
  severity: 'critical',
  confidence: 0.95,
  category: 'persistence',
  techniques: ['T1098.004'],
  recommendation: 'Remove the key, rotate credentials of the account, and audit logins made with it.',
  falsePositives: 'None known: these comments are the attackers’ own.',
};

/** Key comments that campaigns reuse across victims (Outlaw's "mdrfckr"). Facts, kept as data. */
export const KNOWN_BAD_KEY_COMMENTS: ReadonlyArray<{ pattern: RegExp; group: string }> = [
  { pattern: /\bmdrfckr\b/, group: 'Outlaw' },
];

export const persistSshKey: Detector = {
  meta,
  kinds: ['file'],
  detect(e) {
    if (str(e, 'file.kind') !== 'authorized_keys') return null;
    const groups = new Set<string>();
    const lines = matchingLines(str(e, 'file.content') ?? '', (l) => {
      const hit = KNOWN_BAD_KEY_COMMENTS.find((k) => k.pattern.test(l));
      if (hit) groups.add(hit.group);
      return hit !== undefined;
    });
    if (!lines.length) return null;
    return { entity: fileEntity(e), evidence: { path: str(e, 'file.path'), lines, knownFrom: [...groups] } };
  },
};
