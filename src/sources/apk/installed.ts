/**
 * apk's installed database (/lib/apk/db/installed): one stanza per package, separated by blank lines, each line a
 * one-letter field, a colon and the value. P is the package name, V its version, A the architecture, o the origin
 * (the source package, which Alpine's advisories name); file lists (F/R/a/Z ...) follow and are not needed here.
 */
export interface ApkPackage {
  name: string;
  version: string;
  arch: string | undefined;
  origin: string | undefined;
  /** Line of the stanza's first field. */
  line: number;
}

export class ApkDbError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

export function parseApkInstalled(text: string): ApkPackage[] {
  const out: ApkPackage[] = [];
  let cur: Partial<ApkPackage> & { line?: number } = {};
  const flush = (endLine: number) => {
    if (cur.line === undefined) return;
    if (!cur.name || !cur.version)
      throw new ApkDbError(`package entry without ${cur.name ? 'V' : 'P'}: field`, cur.line ?? endLine);
    out.push({ name: cur.name, version: cur.version, arch: cur.arch, origin: cur.origin, line: cur.line });
    cur = {};
  };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!.replace(/\r$/, '');
    if (l === '') {
      flush(i + 1);
      continue;
    }
    if (l.length < 2 || l[1] !== ':')
      throw new ApkDbError(`not a "X:value" line: ${JSON.stringify(l.slice(0, 40))}`, i + 1);
    cur.line ??= i + 1;
    const v = l.slice(2);
    switch (l[0]) {
      case 'P':
        cur.name = v;
        break;
      case 'V':
        cur.version = v;
        break;
      case 'A':
        cur.arch = v;
        break;
      case 'o':
        cur.origin = v;
        break;
    }
  }
  flush(lines.length);
  return out;
}
