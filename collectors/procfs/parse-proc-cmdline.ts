/**
 * /proc/PID/cmdline: argv as NUL-terminated strings (fs/proc/base.c
 * get_mm_cmdline()). Empty for kernel threads and zombies. A process that
 * rewrote its argv area (setproctitle) may show one string with spaces:
 * that is returned as one element, as the kernel shows it.
 */
export function parseProcCmdline(bytes: Buffer): string[] {
  if (bytes.length === 0) return [];
  const text = bytes.toString('utf8');
  const parts = text.split('\0');
  // The last argument is NUL-terminated too, leaving one empty string at the end.
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}
