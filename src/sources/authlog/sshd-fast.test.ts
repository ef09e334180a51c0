import { readdirSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePrefix, YearInference } from './prefix.js';
import { fastSshd } from './sshd-fast.js';
import { classifySshdByRegex, stripSshdPrefixes } from './sshd-messages.js';

const SSHLOGS = resolve(import.meta.dirname, '../../../../shared/data/sshlogs');

function realMessages(): string[] {
  const out: string[] = [];
  const years = new YearInference(Date.UTC(2026, 0, 1));
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = resolve(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.log') || p.includes('/fail2ban/logs/'))
        for (const line of readFileSync(p, 'utf8').split('\n')) out.push(parsePrefix(line, years).message);
    }
  };
  walk(SSHLOGS);
  return out;
}

const TEMPLATES = [
  'Failed password for root from 192.0.2.1 port 22 ssh2',
  'Failed password for invalid user admin from 192.0.2.1 port 22 ssh2',
  'Failed publickey for git from 192.0.2.1 port 22 ssh2: RSA SHA256:abc',
  'Failed none for invalid user x from 192.0.2.1 port 22',
  'Invalid user oracle from 192.0.2.1 port 22',
  'Invalid user oracle from 192.0.2.1 port 22 [preauth]',
  'Connection closed by authenticating user root 192.0.2.1 port 22 [preauth]',
  'Connection reset by invalid user test 192.0.2.1 port 22 [preauth]',
  'Disconnected from invalid user pi 192.0.2.1 port 22 [preauth]',
  'Disconnected from authenticating user root 192.0.2.1 port 22',
  'Received disconnect from 192.0.2.1 port 22:11: Bye Bye [preauth]',
  'Received disconnect from 192.0.2.1 port 22:3: com.jcraft.jsch.JSchException: Auth fail [preauth]',
  'Received disconnect from 192.0.2.1 port 22:14: No supported authentication methods available [preauth]',
  'Accepted publickey for deploy from 10.0.0.5 port 40001 ssh2: ED25519 SHA256:Zr0Yb3',
  'Accepted password for root from 192.0.2.1 port 22 ssh2',
];

/** Pieces that stress the corners of the regular expressions: blanks of every kind, colons, extra words. */
const NOISE = [
  ' ',
  '  ',
  '\t',
  ':',
  ': ',
  '\u00a0',
  '\u2028',
  ' from ',
  ' port ',
  ' port 7',
  '7',
  ' [preauth]',
  'é',
  '::1',
  ' on 10.0.0.1',
  ' ssh2',
  '\r',
  ' invalid user ',
  'x',
];

function fuzz(n: number): string[] {
  let seed = 11;
  const rnd = (k: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return Math.floor((seed / 4294967296) * k);
  };
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    let s = TEMPLATES[rnd(TEMPLATES.length)] as string;
    for (let k = rnd(3); k > 0; k--) {
      const at = rnd(s.length + 1);
      const cut = rnd(4) === 0 ? rnd(4) : 0;
      s = s.slice(0, at) + (NOISE[rnd(NOISE.length)] as string) + s.slice(at + cut);
    }
    out.push(s);
  }
  return out;
}

describe('hand-written sshd readers agree with the regular expressions', () => {
  it('on every sshd message of the real logs, the templates and 50,000 mangled variants', () => {
    const messages = [...realMessages(), ...TEMPLATES, ...fuzz(50_000)];
    let fast = 0;
    for (const m of messages) {
      const f = fastSshd(stripSshdPrefixes(m));
      if (f === undefined) continue;
      fast++;
      expect({ m, f }).toEqual({ m, f: classifySshdByRegex(m) });
    }
    // The readers take the common shapes; the rest is left to the regular expressions.
    expect(fast).toBeGreaterThan(20_000);
    for (const t of TEMPLATES) expect(fastSshd(t)).toBeDefined();
  });
});
