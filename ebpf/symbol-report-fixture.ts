/**
 * Test support: turns a captured symbol report (fixtures/captures/kernels/<release>/symbols.txt,
 * read inside each booted kernel) into the PlanInputs the resolver takes on a live host:
 * the "raw kallsyms lines" section as /proc/kallsyms, the table's BTF column and the
 * `bpftrace -lv` kfunc signatures as the BTF index, the struct vfio_dma line as its fields.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseBpftraceKfuncListing, parseBtfStructFields, parseKallsyms, type BtfFunctionIndex } from './kernel-symbols.js';
import type { PlanInputs } from './probe-plan.js';
import { isPlanSymbol } from './run-preparation.js';

export const KERNEL_REPORTS_DIR = path.join(import.meta.dirname, '..', 'fixtures', 'captures', 'kernels');

function section(text: string, title: string): string {
  const start = text.indexOf(`## ${title}`);
  if (start < 0) return '';
  const rest = text.slice(start).split('\n').slice(1);
  const end = rest.findIndex((line) => line.startsWith('## '));
  return (end < 0 ? rest : rest.slice(0, end)).join('\n');
}

export function planInputsFromSymbolReport(release: string, perPageProbes = false): PlanInputs {
  const text = fs.readFileSync(path.join(KERNEL_REPORTS_DIR, release, 'symbols.txt'), 'utf8');
  const kallsyms = parseKallsyms(section(text, 'raw kallsyms lines'), isPlanSymbol);
  const signatures = section(text, 'kfunc signatures');
  const kfuncSupported = !/kfunc\/kretfunc not available/.test(signatures);
  const btf: BtfFunctionIndex = new Map();
  // BTF column: "vfio_iommu_type1: vfio_pin_pages_remote" (FUNC under that name), "...: no", "...: no BTF file".
  for (const line of text.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    const btfCell = cells[6];
    if (cells.length < 7 || !btfCell) continue;
    const match = /^([a-z0-9_]+): ([A-Za-z0-9_.]+)$/.exec(btfCell);
    if (!match || match[1] === 'vmlinux' || match[2] === 'no') continue;
    const functions = btf.get(match[1] as string) ?? new Map();
    functions.set(match[2] as string, []);
    btf.set(match[1] as string, functions);
  }
  if (kfuncSupported) {
    for (const [module, functions] of parseBpftraceKfuncListing(signatures)) {
      const known = btf.get(module) ?? new Map();
      for (const [fn, params] of functions) known.set(fn, params);
      btf.set(module, known);
    }
  }
  const structLine = /^## struct vfio_dma.*$/m.exec(text)?.[0] ?? '';
  const fields = parseBtfStructFields(structLine.replace(/^## /, ''));
  const btfObjects = /^## BTF objects present: (.*)$/m.exec(text)?.[1]?.split(/\s+/) ?? [];
  const lsmod = section(text, 'modules');
  return {
    kallsyms,
    traceable: null,
    btf: kfuncSupported ? btf : new Map(),
    kfuncSupported: kfuncSupported && btfObjects.includes('vfio_iommu_type1'),
    vfioDmaFields: fields.size > 0 ? fields : null,
    // What bpftrace 0.17 does with `curtask->mm` in the booted kernel (the kernel lab): it
    // compiles where bpftrace has kfunc (BTF it can use), and fails on 5.10 with "Unknown
    // struct/union: 'struct task_struct'" although /sys/kernel/btf/vmlinux exists there.
    taskStructBtf: btfObjects.includes('vmlinux') && kfuncSupported,
    modules: { vfioIommuType1: /^vfio_iommu_type1 /m.test(lsmod), iommufd: /^iommufd /m.test(lsmod) },
    perPageProbes,
  };
}
