const decoder = new TextDecoder('utf-8', { fatal: false });

/**
 * Splits /proc/PID/cmdline into argv. The kernel gives NUL-separated args; a process that rewrote its argv (setproctitle,
 * or malware hiding its options) may leave one space-joined string with no NULs, which stays one argument here so the
 * evidence is verbatim. Invalid UTF-8 becomes U+FFFD rather than failing the scan.
 */
export function splitCmdline(data: Uint8Array): string[] {
  let end = data.length;
  while (end > 0 && data[end - 1] === 0) end--;
  if (end === 0) return [];
  const text = decoder.decode(data.subarray(0, end));
  return text.split('\u0000');
}

export function joinArgs(args: readonly string[]): string {
  return args.join(' ');
}
