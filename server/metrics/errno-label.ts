/**
 * errno label values for the eBPF failure counters. The probes report the
 * positive errno the kernel returned; the label carries its symbolic name so a
 * dashboard reads errno="ENOMEM" rather than "12". Numbers are Linux's
 * include/uapi/asm-generic/errno-base.h (the same on x86-64 and arm64); the
 * VFIO paths return only these. Anything else keeps its decimal number.
 */
const ERRNO_BASE_NAMES: readonly string[] = [
  '', 'EPERM', 'ENOENT', 'ESRCH', 'EINTR', 'EIO', 'ENXIO', 'E2BIG', 'ENOEXEC', 'EBADF', 'ECHILD',
  'EAGAIN', 'ENOMEM', 'EACCES', 'EFAULT', 'ENOTBLK', 'EBUSY', 'EEXIST', 'EXDEV', 'ENODEV', 'ENOTDIR',
  'EISDIR', 'EINVAL', 'ENFILE', 'EMFILE', 'ENOTTY', 'ETXTBSY', 'EFBIG', 'ENOSPC', 'ESPIPE', 'EROFS',
  'EMLINK', 'EPIPE', 'EDOM', 'ERANGE',
];

export function errnoLabel(errno: number): string {
  const name = Number.isInteger(errno) && errno > 0 ? ERRNO_BASE_NAMES[errno] : undefined;
  return name ?? String(errno);
}
