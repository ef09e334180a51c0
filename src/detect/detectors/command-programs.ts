/**
 * The programs a shell-like line would run, as written: the first word of every command in the line (split on ; && ||
 * | $( and backquotes), after cron schedules, a crontab user field, systemd Exec*= keys and wrappers such as nohup,
 * sudo, env, timeout and `sh -c`. A script given to an interpreter (`sh /tmp/x.sh`, `python3 /tmp/x.py`) counts as
 * run too. Paths that only appear as arguments (`mkdir -p /tmp/.X11-unix`) are not programs.
 */
const SEPARATORS = /;|&&|\|\||\||\$\(|`|\)/;
const WRAPPERS = new Set([
  'nohup',
  'exec',
  'sudo',
  'setsid',
  'nice',
  'ionice',
  'chrt',
  'taskset',
  'stdbuf',
  'time',
  'command',
  'builtin',
  'eval',
  'flock',
]);
const INTERPRETERS =
  /^(\/usr)?(\/local)?(\/bin\/)?(ba|da|z|k|tc|c)?sh$|^(\/usr)?(\/bin\/)?(python[0-9.]*|perl|ruby|php|node)$/;
const CRON_FIELD = /^[\d*/,\-a-zA-Z]+$/;

function unquote(t: string): string {
  return t.replace(/^['"(]+|['")]+$/g, '');
}

/** Drops leading words that only arrange how the real program runs. */
function skipWrappers(tokens: string[]): string[] {
  let i = 0;
  while (i < tokens.length) {
    const t = unquote(tokens[i] ?? '');
    const base = t.slice(t.lastIndexOf('/') + 1);
    if (WRAPPERS.has(base)) {
      i++;
      // Options of wrappers, with the value of those that take one (sudo -u user, nice -n 19, flock -w 5).
      while (i < tokens.length && /^(-\S*|\d+[smhd]?)$/.test(tokens[i] ?? '')) {
        i += /^-[ugCnwp]$/.test(tokens[i] ?? '') ? 2 : 1;
      }
      continue;
    }
    if (base === 'env' || /^[A-Za-z_][A-Za-z0-9_]*=/.test(t)) {
      i++;
      continue;
    }
    if (base === 'timeout') {
      i += 2;
      continue;
    }
    break;
  }
  return tokens.slice(i);
}

function programsOfCommand(cmd: string): string[] {
  let tokens = skipWrappers(cmd.trim().split(/\s+/).filter(Boolean));
  const out: string[] = [];
  // `sh -c '...'` runs its string: treat the string as a line of its own.
  const first = unquote(tokens[0] ?? '');
  if (INTERPRETERS.test(first) && tokens[1] === '-c')
    return programsOfLine(
      tokens
        .slice(2)
        .join(' ')
        .replace(/^['"]|['"]$/g, ''),
    );
  if (first) out.push(first);
  if (INTERPRETERS.test(first)) {
    tokens = tokens.slice(1).filter((t) => !t.startsWith('-'));
    if (tokens[0]) out.push(unquote(tokens[0]));
  }
  return out;
}

/** Programs of a line of a shell script, crontab or unit file. `cron` strips the schedule (and user, if `cronUser`). */
export function programsOfLine(line: string, opts: { cron?: boolean; cronUser?: boolean } = {}): string[] {
  let text = line.trim().replace(/^Exec[A-Za-z]*=[-@+!:]*/, '');
  if (opts.cron) {
    const tokens = text.split(/\s+/);
    let skip = tokens[0]?.startsWith('@') ? 1 : 5;
    if (skip === 5 && !tokens.slice(0, 5).every((t) => CRON_FIELD.test(t))) skip = 0;
    if (opts.cronUser && skip > 0) skip++;
    text = tokens.slice(skip).join(' ');
  }
  return text.split(SEPARATORS).flatMap(programsOfCommand);
}
