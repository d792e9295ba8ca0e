/**
 * QEMU sizes (util/cutils.c qemu_strtosz()): a decimal number, optionally
 * fractional, with an optional suffix B (bytes), K/k, M, G, T, P, E, each
 * binary (x1024). `defaultUnitBytes` is what a suffix-less number means:
 * bytes for -object size= and -m maxmem=, MiB for `-m` size (vl.c
 * parse_memory_options() scales a suffix-less size by MiB, the legacy form).
 * Returns null when the text is not a size, or a size past 2^64 bytes
 * (qemu_strtosz() fails with -ERANGE beyond UINT64_MAX).
 */
const SUFFIX_SHIFT: Record<string, number> = { b: 0, k: 10, m: 20, g: 30, t: 40, p: 50, e: 60 };

export function parseQemuSizeBytes(text: string, defaultUnitBytes: number): number | null {
  const match = /^(\d+(?:\.\d+)?)([bkmgtpeBKMGTPE])?$/.exec(text.trim());
  if (!match?.[1]) return null;
  const number = Number(match[1]);
  const suffix = match[2]?.toLowerCase();
  if (suffix === undefined) {
    // A fraction is only meaningful with a unit (qemu_strtosz rejects "1.5").
    if (match[1].includes('.')) return null;
    return withinU64(number * defaultUnitBytes);
  }
  const shift = SUFFIX_SHIFT[suffix];
  if (shift === undefined) return null;
  return withinU64(Math.round(number * 2 ** shift));
}

function withinU64(bytes: number): number | null {
  return Number.isFinite(bytes) && bytes <= 2 ** 64 ? bytes : null;
}
