import path from 'node:path';

/**
 * QEMU by argv[0] basename (qemu-system-x86_64, qemu-system-aarch64, RHEL's
 * /usr/libexec/qemu-kvm, Debian's kvm wrapper exec'ing qemu-system-*) or by
 * comm (the 15-byte TASK_COMM_LEN-truncated name, e.g. "qemu-system-x86",
 * which survives when a live-updated QEMU rewrote its argv). Proxmox VE execs
 * /usr/bin/kvm, a symlink to qemu-system-x86_64: argv[0] and comm are "kvm".
 */
export function isQemuProcess(argv: readonly string[], comm: string): boolean {
  const program = argv[0] === undefined ? '' : path.posix.basename(argv[0]);
  if (program.startsWith('qemu-system-') || program === 'qemu-kvm' || program === 'kvm') return true;
  return comm.startsWith('qemu');
}
