import type { Detector, RuleMeta } from '../detector.js';
import { processEntity } from '../entity.js';
import { bool, str, strs } from './fields.js';

const meta: RuleMeta = {
  id: 'proc.masquerade.kernel-thread',
  title: 'Userland process disguised as a kernel thread',
  severity: 'high',
  confidence: 0.85,
  category: 'defense-evasion',
  techniques: ['T1036.004'],
  recommendation:
    'Kernel threads have no executable; inspect /proc/PID/exe and the command line, then kill and quarantine the binary.',
  falsePositives: 'Rare: a few init systems name helper processes after kernel threads.',
};

// Names the kernel gives its own threads; miners (kdevtmpfsi, kworkerds, kswapd0 copies) borrow them to hide in ps.
const KTHREAD_NAME =
  /^\[?(kworker|kthreadd|kswapd|ksoftirqd|migration|rcu_|watchdog|kdevtmpfs|khugepaged|kblockd|kauditd|jbd2|irq\/|cpuhp|kcompactd|oom_reaper|writeback|ksmd|kintegrityd|kthrotld|ecryptfs|scsi_eh|xfsaild|md\d|khungtaskd|kstrp|idle_inject)/;

export const kthreadMasquerade: Detector = {
  meta,
  kinds: ['process', 'exec'],
  detect(e) {
    if (bool(e, 'process.kernelThread')) return null;
    const name = str(e, 'process.name') ?? '';
    const argv0 = strs(e, 'process.args')[0] ?? '';
    const exe = str(e, 'process.exe');
    // Only a process with an executable is provably userland; kernel threads never have one.
    if (!exe) return null;
    const matched = [name, argv0].find((n) => KTHREAD_NAME.test(n));
    if (!matched) return null;
    return { entity: processEntity(e), evidence: { name, argv0, exe, matchedName: matched } };
  },
};
