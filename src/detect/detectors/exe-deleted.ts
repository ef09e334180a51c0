import type { Detector, RuleMeta } from '../detector.js';
import { processEntity } from '../entity.js';
import { writablePathReason } from './exe-writable-path.js';
import { bool, str } from './fields.js';

const meta: RuleMeta = {
  id: 'proc.exe.deleted',
  title: 'Process running from a deleted or in-memory executable',
  severity: 'high',
  confidence: 0.7,
  category: 'defense-evasion',
  techniques: ['T1070.004', 'T1620'],
  recommendation:
    'Copy the running image from /proc/PID/exe for analysis before killing it; then find what started it and remove that.',
  falsePositives:
    'Daemons still running after a package upgrade replaced their binary (restart them); runc re-executing itself from a memfd.',
};

// runc copies itself into a memfd (CVE-2019-5736 mitigation); that memfd name is expected.
const BENIGN_MEMFD = /^\/memfd:runc_cloned:/;

export const exeDeleted: Detector = {
  meta,
  kinds: ['process', 'exec'],
  detect(e) {
    const exe = str(e, 'process.exe');
    const memfd = bool(e, 'process.exeMemfd');
    const deleted = bool(e, 'process.exeDeleted');
    const replaced = bool(e, 'process.exeReplaced');
    if (!exe || (!memfd && !deleted && !replaced) || BENIGN_MEMFD.test(exe)) return null;
    const evidence = { exe, deleted, memfd, replaced, commandLine: str(e, 'process.commandLine') ?? null };
    if (memfd)
      return {
        entity: processEntity(e),
        evidence,
        title: 'Process running from an anonymous memory file (fileless)',
        severity: 'critical',
      };
    // A deleted binary under /usr after an upgrade is routine; one in a writable or hidden place is not.
    if (writablePathReason(exe))
      return { entity: processEntity(e), evidence, severity: 'critical', confidence: 0.9 };
    return {
      entity: processEntity(e),
      evidence,
      severity: 'low',
      confidence: 0.3,
      title: 'Process running from a binary that was deleted or replaced on disk',
    };
  },
};
