import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { realSshLogs, SSHLOGS } from '../../../test/helpers/sshlogs.js';
import { AuthView } from '../../detect/detectors/ssh-common.js';
import type { TelemetryEvent } from '../../model/event.js';
import { loadAuthLogWalk, MAX_WALK_IDS, W_PEER_ID, WALK_RECORD } from './native-walk.js';
import { AuthLogParser, type AuthParseStats } from './parser.js';
import { readAuthLogBatches } from './read-file.js';
import type { AuthRecord } from './record.js';
import { classifySshdBytes, fnv, SshdByteFacts } from './sshd-bytes.js';

// The spelling numbers differ by path (only the native walk gives them): compared on their own below.
type Rec = Omit<AuthRecord, 'asciiLine' | 'peerId' | 'userId'>;

const ref = Date.UTC(2026, 0, 3, 12);

/** What the records path writes for an event of the string path. */
function recordOf(e: TelemetryEvent): Rec {
  const f = e.fields;
  const count = f['auth.count'];
  return {
    time: e.time,
    failure: f['auth.outcome'] === 'failure',
    success: f['auth.outcome'] === 'success',
    reason: f['auth.reason'] as string | undefined,
    method: f['auth.method'] as string | undefined,
    user: f['auth.user'] as string | undefined,
    invalidUser: f['auth.invalidUser'] === true,
    count: typeof count === 'number' ? count : 1,
    peer: (f['source.ip'] ?? f['source.domain']) as string | undefined,
    line: f['log.message'] as string | undefined,
  };
}

/** The same lines through parseLine (strings, events) and parseBytes with a record sink (the `logs` file path). */
function bothWays(lines: readonly Buffer[]) {
  const byString = new AuthLogParser({ referenceTime: ref, hostId: 'x' });
  const expected: Rec[] = [];
  for (const l of lines) for (const e of byString.parseLine(l.toString('utf8'))) expected.push(recordOf(e));
  const view = new AuthView();
  const got: Rec[] = [];
  const byBytes = new AuthLogParser({
    referenceTime: ref,
    hostId: 'x',
    records: {
      record: view,
      emit() {
        const { time, failure, success, reason, method, user, invalidUser, count, peer, line } = view;
        got.push({ time, failure, success, reason, method, user, invalidUser, count, peer, line });
      },
    },
  });
  const whole = Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')]));
  const events: TelemetryEvent[] = [];
  let start = 0;
  for (const l of lines) {
    byBytes.parseBytes(whole, start, start + l.length, events);
    start += l.length + 1;
  }
  // Every attempt goes to the sink; events are only ever the string path's (none here).
  expect(events).toEqual([]);
  // Failures still waiting for an address count as unattributed at the end, as the file reader counts them.
  byString.finish();
  byBytes.finish();
  return { expected, got, stringStats: byString.stats, byteStats: byBytes.stats, whole };
}

const walk = loadAuthLogWalk();
const requireNative = process.env.MINEWARDEN_REQUIRE_SERVICES === '1';

/** The records and counts of the file reader over `whole` (as `logs FILE` reads it), native walk or not. */
const peerById = new Map<number, string | undefined>();
const userById = new Map<number, string | undefined>();

async function readFileWay(whole: Buffer, native: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'mw-walk-'));
  try {
    const file = join(dir, 'auth.log');
    writeFileSync(file, whole);
    // The reader anchors years on the file's time, as the other paths here on `ref`.
    utimesSync(file, ref / 1000, ref / 1000);
    const view = new AuthView();
    const got: Rec[] = [];
    // A spelling's number stands for one peer (or account) for the whole process, whichever file it came from.
    const records = {
      record: view,
      emit() {
        const { time, failure, success, reason, method, user, invalidUser, count, peer, line } = view;
        got.push({ time, failure, success, reason, method, user, invalidUser, count, peer, line });
        if (view.peerId >= 0) expect(peerById.get(view.peerId) ?? peer).toBe(peer);
        if (view.peerId >= 0) peerById.set(view.peerId, peer);
        if (view.userId >= 0) expect(userById.get(view.userId) ?? user).toBe(user);
        if (view.userId >= 0) userById.set(view.userId, user);
        if (user === undefined) expect(view.userId).toBe(-1);
        if (!native) expect([view.peerId, view.userId]).toEqual([-1, -1]);
      },
    };
    let stats: AuthParseStats | undefined;
    for await (const batch of readAuthLogBatches(
      file,
      { hostId: 'x', records, native },
      ({ file: _f, ...s }) => {
        stats = s;
      },
    ))
      expect(batch).toEqual([]);
    return { got, stats };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const H = 'Jan  2 10:00:00 web1 sshd[4242]: ';

/** The plain forms, and the ways a line can look like one without being one the byte reader may take. */
const EDGE = [
  'Failed password for root from 1.2.3.4 port 22 ssh2',
  'Failed password for invalid user admin from 1.2.3.4 port 22 ssh2',
  'Failed publickey for invalid user git from 1.2.3.4 port 22 ssh2',
  'Failed publickey for deploy from 1.2.3.4 port 22 ssh2',
  'Failed none for invalid user x from 1.2.3.4 port 22 ssh2',
  'Failed keyboard-interactive/pam for root from 1.2.3.4 port 22 ssh2',
  'Failed password for invalid user Ünïcødé from 1.2.3.4 port 22 ssh2',
  'Failed password for r\u00e9my from 1.2.3.4 port 22 ssh2',
  'Failed password for root from 2001:db8::1 port 22 ssh2',
  'Failed password for root from ::ffff:1.2.3.4 port 22 ssh2',
  'Failed password for root from 1.2.3.4',
  'Failed password for root from 1.2.3.4 port 22',
  'Failed password for root from 1.2.3.4: port 22 ssh2',
  'Failed password for root from 1.2.3.4 port 1234567890123 ssh2',
  'Failed password for root from 1.2.3.4 port 22 ssh2 ',
  'Failed password for root from 1.2.3.4 port 22\tssh2',
  'Failed password for ro\u0001ot from 1.2.3.4 port 22 ssh2',
  'Failed password for invalid user from from 1.2.3.4 port 22 ssh2',
  'Failed password for root from from 1.2.3.4 port 22 ssh2',
  'Failed password for invalid user  from 1.2.3.4 port 22 ssh2',
  'Failed password for root from Host.Example.COM port 22 ssh2',
  'Failed password for root from bad_host! port 22 ssh2',
  'Failed password for root from 1.2.3.4 port 22 ssh2: RSA SHA256:abc',
  'Failed weird-method for root from 1.2.3.4 port 22 ssh2',
  'Invalid user guest from 1.2.3.4 port 22',
  'Invalid user guest from 1.2.3.4 port 22 [preauth]',
  'Invalid user guest from 1.2.3.4',
  'Invalid user  from 1.2.3.4 port 22',
  'Invalid user a b from 1.2.3.4 port 22',
  'Invalid user guest from 2001:db8::2 port 22',
  'pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=1.2.3.4  user=root',
  'pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=1.2.3.4',
  'pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=1.2.3.4 ',
  'pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=1.2.3.4  user=',
  'pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=  user=root',
  'pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=5.6.7.8 x rhost=1.2.3.4  user=root',
  'pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=1.2.3.4  user=a b',
  'pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=::1  user=root',
  'pam_unix(sshd:session): session opened for user deploy(uid=1000) by (uid=0)',
  'pam_unix(sshd:session): session closed for user d\u0002eploy',
  'Connection closed by authenticating user test 1.2.3.4 port 22 [preauth]',
  'Connection closed by authenticating user test 1.2.3.4 port 22',
  'Connection closed by invalid user test 1.2.3.4 port 22 [preauth]',
  'Connection closed by 1.2.3.4 port 22 [preauth]',
  'Connection closed by 1.2.3.4 port 22',
  'Connection closed by 1.2.3.4 port 22 [preauth] ',
  'Connection closed by authenticating user 1.2.3.4 port 22 [preauth]',
  'Disconnected from invalid user x 1.2.3.4 port 22 [preauth]',
  'Disconnected from user deploy 1.2.3.4 port 22',
  'Disconnected from 1.2.3.4 port 22',
  'Received disconnect from 1.2.3.4 port 22:11: Bye Bye [preauth]',
  'Received disconnect from 1.2.3.4 port 22:11: disconnected by user',
  'Received disconnect from 1.2.3.4 port 22:3: com.jcraft.jsch.JSchException: Auth fail [preauth]',
  'Received disconnect from 1.2.3.4 port 22:14: No supported authentication methods available [preauth]',
  'Received disconnect from 1.2.3.4 port 22:141: Bye',
  'Received disconnect from 1.2.3.4 port 22: 11: Bye',
  'Received disconnect from 2001:db8::1 port 22:11: Bye',
  'Unable to negotiate with 1.2.3.4 port 22: no matching key exchange method found. Their offer: x',
  'Unable to negotiate with 1.2.3.4 port 22: no matching host key type found.',
  'Accepted publickey for deploy from 10.0.0.6 port 40004 ssh2: ED25519 SHA256:Zr0Yb3vJ8mT1cQx7uKp2dLwE9s',
  'Accepted password for root from 1.2.3.4 port 22 ssh2',
  'Accepted password for root from 1.2.3.4 port 22',
  'Accepted password for root from 1.2.3.4 port 22x ssh2',
  'Accepted password for root from 2001:db8::5 port 22 ssh2',
  'message repeated 3 times: [ Failed password for root from 1.2.3.4 port 22 ssh2]',
  'message repeated 1 times: [ Invalid user x from 1.2.3.4 port 22]',
  'message repeated 2 times: [Failed password for invalid user y from 1.2.3.4 port 22 ssh2]',
  'message repeated 2 times: [ pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=1.2.3.4  user=root]',
  'message repeated 2 times: [ Received disconnect from 1.2.3.4 port 22:11: Bye [preauth]]',
  'message repeated 2 times: [ message repeated 2 times: [ Failed password for root from 1.2.3.4 port 22 ssh2]]',
  'message repeated 2 times: [ Failed password for root from 1.2.3.4 port 22 ssh2] ',
];

/** Connection state and time: a failure waiting for its address, another host's pid, New Year, other envelopes. */
const SEQUENCES = [
  `${H}Disconnecting: Too many authentication failures for root [preauth]`,
  `${H}Connection closed by 1.2.3.4 port 22 [preauth]`,
  `${H}Failed password for root from 1.2.3.4 port 22 ssh2`,
  'Jan  2 10:00:01 web2 sshd[4242]: Disconnecting: Too many authentication failures [preauth]',
  'Jan  2 10:00:01 web1 sshd[4242]: Failed password for root from 5.6.7.8 port 22 ssh2',
  'Jan  2 10:00:02 web2 sshd[4242]: Received disconnect from 9.9.9.9 port 22:11: Bye [preauth]',
  'Dec 31 23:59:59 web1 sshd[1]: Failed password for root from 1.2.3.4 port 22 ssh2',
  'Jan  1 00:00:00 web1 sshd[1]: Failed password for root from 1.2.3.4 port 22 ssh2',
  'Jan  1 00:00:00 web1 sshd-session[2]: Invalid user a from 1.2.3.4 port 22',
  'Jan  1 00:00:00 web1 sshd: Invalid user a from 1.2.3.4 port 22',
  'Jan  1 00:00:00.123456 web1 sshd[3]: Invalid user a from 1.2.3.4 port 22',
  '2026-01-02T03:04:05Z host sshd[7]: Failed password for root from 1.2.3.4 port 22 ssh2',
  '2026-01-02T03:04:05.123+01:00 host sshd[7]: Invalid user b from 1.2.3.4 port 22',
  '<38>1 2026-01-02T03:04:05Z host sshd 12 - - Failed password for root from 1.2.3.4 port 22 ssh2',
  '<38>Jan  2 10:00:00 web1 sshd[8]: Failed password for root from 1.2.3.4 port 22 ssh2',
  'Jan  2 10:00:00 web1 CRON[9]: Failed password for root from 1.2.3.4 port 22 ssh2',
  "Jan  2 10:00:00 web1 dropbear[10]: Bad password attempt for 'root' from 1.2.3.4:22",
  'Jan  2 10:00:00 web1 sshd[11]: Failed password for root from 1.2.3.4 port 22 ssh2\r',
];

const lines = (text: readonly string[], latin1 = false) =>
  text.map((l) => Buffer.from(l, latin1 ? 'latin1' : 'utf8'));

describe('classifySshdBytes', () => {
  it('takes the plain forms and leaves the rest to the regexes', () => {
    const f = new SshdByteFacts();
    const taken = (m: string) => {
      const b = Buffer.from(m, 'utf8');
      return classifySshdBytes(b, 0, b.length, f);
    };
    expect(taken('Failed password for invalid user admin from 1.2.3.4 port 22 ssh2')).toBe(true);
    const b = Buffer.from('Failed password for invalid user admin from 1.2.3.4 port 22 ssh2');
    expect(b.toString('latin1', f.userStart, f.userEnd)).toBe('admin');
    expect(f.userHash).toBe(fnv(b, f.userStart, f.userEnd));
    expect(b.toString('latin1', f.hostStart, f.hostEnd)).toBe('1.2.3.4');
    expect(f.hostHash).toBe(fnv(b, f.hostStart, f.hostEnd));
    expect(taken('Failed password for root from 2001:db8::1 port 22 ssh2')).toBe(false);
    expect(taken('Failed password for invalid user Ünïcødé from 1.2.3.4 port 22 ssh2')).toBe(false);
    expect(taken('Received disconnect from 1.2.3.4 port 22:3: Auth fail [preauth]')).toBe(false);
    expect(
      taken('message repeated 2 times: [ pam_unix(sshd:auth): authentication failure; rhost=1.2.3.4]'),
    ).toBe(false);
  });
});

describe('parseBytes with records gives the records of parseLine', () => {
  it('edge cases: same records and counts, in UTF-8 and Latin-1', () => {
    for (const latin1 of [false, true]) {
      const { expected, got, stringStats, byteStats } = bothWays(
        lines([...EDGE.map((m) => H + m), ...SEQUENCES], latin1),
      );
      expect(expected.length).toBeGreaterThan(40);
      expect(got).toEqual(expected);
      expect(byteStats).toEqual(stringStats);
    }
  });

  it.skipIf(!walk && !requireNative)(
    'edge cases: the native line walk gives the same records and counts',
    async () => {
      expect(walk).not.toBeNull();
      for (const latin1 of [false, true]) {
        const { expected, stringStats, whole } = bothWays(
          lines([...EDGE.map((m) => H + m), ...SEQUENCES], latin1),
        );
        // Damaged copies too: every line cut short at each length, so each check of the walk meets the line's end.
        const cut = lines(
          [...EDGE.map((m) => H + m), ...SEQUENCES].flatMap((l) =>
            [...Array(l.length).keys()].map((n) => l.slice(0, n)),
          ),
          latin1,
        );
        const withCuts = bothWays(cut);
        for (const [w, exp, st] of [
          [whole, expected, stringStats],
          [withCuts.whole, withCuts.expected, withCuts.stringStats],
        ] as const) {
          const viaWalk = await readFileWay(w, true);
          expect(viaWalk.got).toEqual(exp);
          expect(viaWalk.stats).toEqual(st);
        }
      }
    },
  );

  it.skipIf(!walk && !requireNative)(
    'the native line walk across chunks: lines cut by a chunk boundary, over-long lines, no final newline',
    async () => {
      const body: string[] = [];
      for (let i = 0; i < 6000; i++) body.push(H + (EDGE[i % EDGE.length] as string));
      // Over the 64 KiB cap, inside a chunk and across the first chunk boundary (256 KiB).
      body.splice(300, 0, `${H}Failed password for ${'x'.repeat(70_000)} from 1.2.3.4 port 22 ssh2`);
      body.splice(2400, 0, `${H}Invalid user ${'y'.repeat(66_000)} from 1.2.3.4 port 22`);
      const whole = Buffer.from(`${body.join('\n')}\n${H}Failed password for root from 9.9.9.9 port 22 ssh2`);
      const viaWalk = await readFileWay(whole, true);
      const viaJs = await readFileWay(whole, false);
      expect(viaWalk.got.length).toBeGreaterThan(4000);
      expect(viaWalk.got).toEqual(viaJs.got);
      expect(viaWalk.stats).toEqual(viaJs.stats);
      expect(viaWalk.stats?.skippedLong).toBe(2);
    },
  );

  it.skipIf(!walk && !requireNative)(
    'the native line walk past its table of spellings: peers and accounts it cannot number any more',
    async () => {
      // More distinct peers and accounts than the walk numbers (MAX_WALK_IDS): the rest are looked up by bytes.
      const body: string[] = [];
      for (let i = 0; i < MAX_WALK_IDS + 2000; i++) {
        const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
        body.push(`${H}Failed password for invalid user u${i} from ${ip} port 22 ssh2`);
        body.push(`${H}Invalid user u${i % 50} from ${ip} port 22`);
      }
      const whole = Buffer.from(`${body.join('\n')}\n`);
      const viaWalk = await readFileWay(whole, true);
      const viaJs = await readFileWay(whole, false);
      expect(viaWalk.got.length).toBe(body.length);
      expect(viaWalk.got).toEqual(viaJs.got);
      expect(viaWalk.stats).toEqual(viaJs.stats);
      // The table is full now: a spelling never met gets no id, one met before keeps its own.
      const out = new Int32Array(WALK_RECORD * 2);
      const two = Buffer.from(`${H}Failed password for root from 192.0.2.77 port 22 ssh2\n${body[0]}\n`);
      expect(walk?.(two, 0, two.length, 65536, out)).toBe(2);
      expect(out[W_PEER_ID]).toBe(-1);
      expect(out[WALK_RECORD + W_PEER_ID]).toBeGreaterThanOrEqual(0);
    },
  );

  for (const f of realSshLogs())
    it(`${f.slice(SSHLOGS.length + 1)}: same records and counts`, async () => {
      const text = readFileSync(f, 'latin1').split('\n');
      const { expected, got, stringStats, byteStats, whole } = bothWays(lines(text, true));
      expect(got).toEqual(expected);
      expect(byteStats).toEqual(stringStats);
      // The file reader, with the native line walk when it is built and without.
      for (const native of walk || requireNative ? [true, false] : [false]) {
        const viaFile = await readFileWay(whole, native);
        expect(viaFile.got).toEqual(expected);
        expect(viaFile.stats).toEqual(stringStats);
      }
    });
});
