import type { Detector, RuleMeta } from '../detector.js';
import { str } from './fields.js';
import { fileEntity, matchingLines } from './file-lines.js';

const meta: RuleMeta = {
  id: 'persist.uid0-account',
  title: 'Account other than root with user id 0',
  severity: 'critical',
  confidence: 0.9,
  category: 'persistence',
  techniques: ['T1136', 'T1078'],
  recommendation: 'Lock or delete the account, then find when and how it was added.',
  falsePositives: 'The BSD-style "toor" account on systems that deliberately keep one.',
};

export const persistUid0: Detector = {
  meta,
  kinds: ['file'],
  detect(e) {
    if (str(e, 'file.kind') !== 'passwd') return null;
    const lines = matchingLines(str(e, 'file.content') ?? '', (l) => {
      const [name, , uid] = l.split(':');
      return uid === '0' && name !== 'root';
    });
    if (!lines.length) return null;
    return {
      entity: fileEntity(e),
      evidence: { path: str(e, 'file.path'), lines, accounts: lines.map((l) => l.text.split(':')[0]) },
    };
  },
};
