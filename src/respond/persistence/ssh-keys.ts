import { createHash } from 'node:crypto';

const KEY_TYPE =
  /^(ssh-(rsa|dss|ed25519)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)$/;

export interface KeyLine {
  type: string;
  /** `SHA256:...` as `ssh-keygen -lf` prints it. */
  fingerprint: string;
  comment: string;
  options: string;
}

/** Splits the leading options field, which may contain quoted spaces (command="a b"). */
function splitOptions(line: string): { options: string; rest: string } {
  let i = 0;
  let quoted = false;
  for (; i < line.length; i++) {
    const c = line[i];
    if (c === '\\' && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if (!quoted && (c === ' ' || c === '\t')) break;
  }
  return { options: line.slice(0, i), rest: line.slice(i).trimStart() };
}

/** Parses one authorized_keys line (sshd(8) AUTHORIZED_KEYS FILE FORMAT); null for blanks, comments and junk. */
export function parseKeyLine(raw: string): KeyLine | null {
  const line = raw.trim();
  if (line === '' || line.startsWith('#')) return null;
  let options = '';
  let rest = line;
  const firstWord = line.split(/\s/, 1)[0] ?? '';
  if (!KEY_TYPE.test(firstWord)) {
    ({ options, rest } = splitOptions(line));
  }
  const [type = '', blob = '', ...comment] = rest.split(/\s+/);
  if (!KEY_TYPE.test(type) || !/^[A-Za-z0-9+/]+={0,2}$/.test(blob)) return null;
  const digest = createHash('sha256').update(Buffer.from(blob, 'base64')).digest('base64').replace(/=+$/, '');
  return { type, fingerprint: `SHA256:${digest}`, comment: comment.join(' '), options };
}
