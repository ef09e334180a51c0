/**
 * Splits /proc/PID/cmdline into argv. The kernel gives NUL-separated args; a process that rewrote its argv (setproctitle,
 * or malware hiding its options) may leave one space-joined string with no NULs, which stays one argument here so the
 * evidence is verbatim. Invalid UTF-8 becomes U+FFFD rather than failing the scan.
 */
export function splitCmdline(data: Buffer, start = 0, stop = data.length): string[] {
  let end = stop;
  while (end > start && data[end - 1] === 0) end--;
  if (end === start) return [];
  // Decoded in place: a view (subarray) per process costs more than the decode of a short command line.
  return data.toString('utf8', start, end).split('\u0000');
}

export function joinArgs(args: readonly string[]): string {
  return args.join(' ');
}
