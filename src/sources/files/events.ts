import type { TelemetryEvent } from '../../model/event.js';
import type { SweptFile } from './sweep.js';

/** A swept file as an event: action "present", with its content for the persistence detectors. */
export function fileEvents(hostId: string, files: readonly SweptFile[], time: number): TelemetryEvent[] {
  return files.map((f) => ({
    kind: 'file',
    time,
    hostId,
    source: 'file-sweep',
    fields: {
      'file.path': f.path,
      'file.action': 'present',
      'file.kind': f.kind,
      'file.content': f.content,
      'file.firstLine': f.firstLine,
      'file.elf': f.elf,
      'file.size': f.size,
      'file.mtime': f.mtimeMs,
      'file.uid': f.uid,
    },
  }));
}
