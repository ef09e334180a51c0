import { describe, expect, it } from 'vitest';
import { programsOfLine } from './command-programs.js';

describe('programsOfLine', () => {
  it.each([
    ['*/5 * * * * /tmp/.x/run >/dev/null 2>&1', { cron: true }, ['/tmp/.x/run']],
    ['@reboot /root/.configrc/a/upd', { cron: true }, ['/root/.configrc/a/upd']],
    ['*/2 * * * * root nohup /dev/shm/k &', { cron: true, cronUser: true }, ['/dev/shm/k']],
    ['0 3 * * * root find /tmp -mtime +7 -delete', { cron: true, cronUser: true }, ['find']],
    ['ExecStart=/bin/sh -c "cd /var/tmp/.x && ./m -c c.json"', {}, ['cd', './m']],
    ['ExecStart=-/usr/bin/env LD=1 /dev/shm/.s/x --bg', {}, ['/dev/shm/.s/x']],
    ['mkdir -p /tmp/.X11-unix && chmod 1777 /tmp/.X11-unix', {}, ['mkdir', 'chmod']],
    ['timeout 30 python3 /tmp/p.py | sh', {}, ['python3', '/tmp/p.py', 'sh']],
    ['sudo -u www-data /var/tmp/x', {}, ['/var/tmp/x']],
  ])('%s', (line, opts, programs) => {
    expect(programsOfLine(line, opts)).toEqual(programs);
  });
  it('does not take a command substitution argument for a program', () => {
    const programs = programsOfLine('fn="$(mktemp /tmp/testwriteable.XXXX)" || return 1');
    expect(programs).toContain('mktemp');
    expect(programs).not.toContain('/tmp/testwriteable.XXXX');
  });
});
