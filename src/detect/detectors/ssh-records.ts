import type { AuthRecordSink } from '../../sources/authlog/record.js';
import type { Detector } from '../detector.js';
import type { StatefulDetection } from '../stateful.js';
import { type AuthView, type AuthViewDetector, isAuthViewDetector } from './ssh-common.js';

/**
 * A sink for the auth parser that hands each attempt straight to the SSH detectors of one set, with no event object
 * per line (bench/logs), and records their hits in `det` as the engine would from events. Null unless every
 * detector that takes `auth` events is an SSH detector reading the same view: anything else needs the events.
 */
export function sshRecordSink(detectors: readonly Detector[], det: StatefulDetection): AuthRecordSink | null {
  const ssh: AuthViewDetector[] = [];
  let view: AuthView | undefined;
  for (const d of detectors) {
    if (!d.kinds.includes('auth')) continue;
    if (!isAuthViewDetector(d) || (view !== undefined && d.view !== view)) return null;
    view = d.view;
    ssh.push(d);
  }
  if (view === undefined) return null;
  const v = view;
  // In set order, without those that only answer attempts of the other outcome.
  const onFailure = ssh.filter((d) => d.only !== 'successes');
  const onSuccess = ssh.filter((d) => d.only !== 'failures');
  return {
    record: v,
    emit() {
      v.written();
      // A record is a failure or a success (parser.ts writes success as !failure).
      const list = v.failure ? onFailure : onSuccess;
      for (const d of list) {
        const hit = d.observe(v);
        if (hit !== null) det.report(d, hit, v.time);
      }
      // The line may point into the reader's buffer, which is reused: nothing may read it after the record.
      v.line = undefined;
    },
  };
}
