/**
 * Pure parsers for what the kernel says about its functions: /proc/kallsyms,
 * /sys/kernel/tracing/available_filter_functions and `bpftrace -lv` listings of
 * BTF (kfunc signatures, struct layouts). Readers live in plan-inputs-reader.ts.
 */

/** A function symbol as /proc/kallsyms lists it. */
export interface KernelSymbol {
  name: string;
  /** Module in brackets, or null for vmlinux. */
  module: string | null;
}

/** name -> symbol; several entries can share a name (static functions in two files), we keep the first. */
export type KallsymsIndex = Map<string, KernelSymbol>;

/** Text (t/T) and weak (w/W) symbols are functions; data symbols cannot be probed. */
const FUNCTION_TYPES = new Set(['t', 'T', 'w', 'W']);

/**
 * Parse /proc/kallsyms ("ffffffffc0a1b2c0 t vfio_pin_pages_remote\t[vfio_iommu_type1]"),
 * keeping only the names `wanted` accepts: the full file is ~200k lines and we need ~20.
 * Also accepts the address-less "name type [module]" lines of the captured symbol reports.
 */
export function parseKallsyms(text: string, wanted: (name: string) => boolean): KallsymsIndex {
  const index: KallsymsIndex = new Map();
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 2) continue;
    let name: string | undefined;
    let type: string | undefined;
    let rest: string[];
    if (/^[0-9a-fA-F]{8,}$/.test(fields[0] ?? '') && fields.length >= 3) {
      type = fields[1];
      name = fields[2];
      rest = fields.slice(3);
    } else {
      name = fields[0];
      type = fields[1];
      rest = fields.slice(2);
    }
    if (!name || !type || !FUNCTION_TYPES.has(type) || !wanted(name) || index.has(name)) continue;
    const moduleField = rest.find((field) => field.startsWith('['));
    const module = moduleField ? moduleField.replace(/^\[|\]$/g, '') : null;
    index.set(name, { name, module: module === 'vmlinux' ? null : module });
  }
  return index;
}

/**
 * Parse available_filter_functions ("vfio_pin_pages_remote [vfio_iommu_type1]" or
 * "__account_locked_vm"): the functions ftrace, and so kprobes-on-ftrace and
 * fentry, can attach to. Functions marked notrace or on the kprobe blacklist are absent.
 */
export function parseAvailableFilterFunctions(text: string, wanted: (name: string) => boolean): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const name = line.trim().split(/\s+/)[0];
    if (name && wanted(name)) names.add(name);
  }
  return names;
}

export interface BtfParam {
  type: string;
  name: string;
}

/** module -> function -> parameters (with `retval` last when the function returns a value). */
export type BtfFunctionIndex = Map<string, Map<string, BtfParam[]>>;

/**
 * Parse `bpftrace -lv 'kfunc:MODULE:*'` output:
 *   kfunc:vfio_iommu_type1:vfio_pin_pages_remote
 *       struct vfio_dma * dma
 *       long int npage
 *       long int retval
 * Also accepts the one-line form of the captured symbol reports
 * ("kfunc:m:f     struct vfio_dma * dma     long int npage ...", fields split by 4+ spaces)
 * and the older "kfunc:f" form without module (module taken from `defaultModule`).
 */
export function parseBpftraceKfuncListing(text: string, defaultModule: string | null = null): BtfFunctionIndex {
  const index: BtfFunctionIndex = new Map();
  let current: BtfParam[] | null = null;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/^-\s+/, '');
    const head = /^(?:kfunc|fentry):(?:([A-Za-z0-9_]+):)?([A-Za-z0-9_.]+)(.*)$/.exec(line.trim());
    if (head) {
      const module = head[1] ?? defaultModule;
      const fn = head[2] as string;
      current = [];
      if (module !== null) {
        const functions = index.get(module) ?? new Map<string, BtfParam[]>();
        functions.set(fn, current);
        index.set(module, functions);
      }
      const inline = (head[3] ?? '').trim();
      if (inline) for (const field of inline.split(/\s{3,}/)) pushParam(current, field);
      continue;
    }
    if (current && /^\s+\S/.test(rawLine)) pushParam(current, rawLine.trim());
    else if (rawLine.trim() !== '') current = null;
  }
  return index;
}

function pushParam(params: BtfParam[], field: string): void {
  // "struct vfio_dma * dma" / "long int npage" / "bool do_accounting": the name is the last word.
  const match = /^(.*?)[\s*]+([A-Za-z_][A-Za-z0-9_]*)$/.exec(field.trim());
  if (match && match[1]) params.push({ type: match[1].trim(), name: match[2] as string });
}

/**
 * Parse a struct as `bpftrace -lv 'struct vfio_dma'` prints it (C syntax) into its field names;
 * also accepts the captured report line "struct vfio_dma (module BTF): size 96: node@0x0, ... task@0x38, ...".
 */
export function parseBtfStructFields(text: string): Set<string> {
  const fields = new Set<string>();
  const report = /struct \S+ \(module BTF\):.*?:\s*(.*)$/m.exec(text);
  if (report && report[1]) {
    for (const item of report[1].split(',')) {
      const name = item.trim().split('@')[0];
      if (name) fields.add(name);
    }
    return fields;
  }
  for (const line of text.split('\n')) {
    const match = /^\s+[^;{}]*?[\s*]([A-Za-z_][A-Za-z0-9_]*)(\[[^\]]*\])?(\s*:\s*\d+)?;\s*$/.exec(line);
    if (match && match[1]) fields.add(match[1]);
  }
  return fields;
}
