// Writes N realistic, mixed auth-log lines (Debian /var/log/auth.log shape): Internet brute force from a few
// hundred addresses (failed passwords, invalid users, PAM failures, pre-auth disconnects, folded repeats), normal
// key logins, and the sudo/cron/logind noise every auth.log carries. Deterministic for a given N.
import { createWriteStream } from 'node:fs';

const USERS = [
  'root',
  'admin',
  'test',
  'oracle',
  'postgres',
  'ubuntu',
  'git',
  'user',
  'pi',
  'ftp',
  'guest',
  'mysql',
];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export async function generate(file, n) {
  let seed = 12345;
  const rnd = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296;
  };
  const pick = (a) => a[Math.floor(rnd() * a.length)];
  const attackers = Array.from(
    { length: 400 },
    () =>
      `${1 + Math.floor(rnd() * 222)}.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 256)}.${1 + Math.floor(rnd() * 254)}`,
  );
  const admins = ['10.0.0.5', '10.0.0.6', '192.168.1.20'];
  const out = createWriteStream(file);
  let t = Date.UTC(2026, 9, 1);
  let pid = 10000;
  const stamp = () => {
    const d = new Date(t);
    return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.toISOString().slice(11, 19)}`;
  };
  let buf = '';
  for (let i = 0; i < n; i++) {
    t += Math.floor(rnd() * 200);
    const r = rnd();
    const h = `${stamp()} web1`;
    let line;
    if (r < 0.7) {
      const ip = pick(attackers);
      const port = 30000 + Math.floor(rnd() * 30000);
      const u = pick(USERS);
      const k = rnd();
      if (pid % 7 === 0) pid++;
      const p = pid;
      if (k < 0.35)
        line = `${h} sshd[${p}]: Failed password for ${u === 'root' ? 'root' : `invalid user ${u}`} from ${ip} port ${port} ssh2`;
      else if (k < 0.55) line = `${h} sshd[${p}]: Invalid user ${u} from ${ip} port ${port}`;
      else if (k < 0.7)
        line = `${h} sshd[${p}]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=${ip}  user=${u}`;
      else if (k < 0.82)
        line = `${h} sshd[${p}]: Connection closed by authenticating user ${u} ${ip} port ${port} [preauth]`;
      else if (k < 0.92)
        line = `${h} sshd[${p}]: Received disconnect from ${ip} port ${port}:11: Bye Bye [preauth]`;
      else if (k < 0.96)
        line = `${h} sshd[${p}]: Disconnected from invalid user ${u} ${ip} port ${port} [preauth]`;
      else if (k < 0.98)
        line = `${h} sshd[${p}]: message repeated 3 times: [ Failed password for root from ${ip} port ${port} ssh2]`;
      else
        line = `${h} sshd[${p}]: Unable to negotiate with ${ip} port ${port}: no matching key exchange method found. Their offer: diffie-hellman-group1-sha1 [preauth]`;
      if (rnd() < 0.2) pid++;
    } else if (r < 0.78) {
      const ip = pick(admins);
      line = `${h} sshd[${++pid}]: Accepted publickey for deploy from ${ip} port ${40000 + (i % 20000)} ssh2: ED25519 SHA256:Zr0Yb3vJ8mT1cQx7uKp2dLwE9sNfHgA4oIy6VtRjXk0`;
    } else if (r < 0.86) {
      line = `${h} sshd[${pid}]: pam_unix(sshd:session): session ${rnd() < 0.5 ? 'opened' : 'closed'} for user deploy${rnd() < 0.5 ? '(uid=1000) by (uid=0)' : ''}`;
    } else if (r < 0.93) {
      line = `${h} CRON[${++pid}]: pam_unix(cron:session): session ${rnd() < 0.5 ? 'opened for user root(uid=0) by (uid=0)' : 'closed for user root'}`;
    } else if (r < 0.97) {
      line = `${h} sudo:   deploy : TTY=pts/0 ; PWD=/home/deploy ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx`;
    } else {
      line = `${h} systemd-logind[512]: ${rnd() < 0.5 ? `New session ${i} of user deploy.` : `Session ${i} logged out. Waiting for processes to exit.`}`;
    }
    buf += `${line}\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise((r) => out.once('drain', r));
      buf = '';
    }
  }
  out.write(buf);
  await new Promise((r) => out.end(r));
}
