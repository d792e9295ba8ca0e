/**
 * Property-based tests of every parser of host input (issue 9): for any
 * input, a parser returns a value in its kernel range or throws its typed
 * parse error (a malformed HostFileError naming the file); where a printer
 * exists (the fixture writers, the kmsg and bpftrace formats), what it
 * prints parses back to the same values.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CAP_EFF_IPC_LOCK, CAP_EFF_NONE, type FixtureProcess, procLimitsText, procStatText, procStatusText } from '../fixtures/fixture-tree.js';
import { libvirtKeyValueArgv } from '../fixtures/qemu-argv.js';
import { HostFileError } from '../collectors/host-file-error.js';
import { parseKmsgRecord, recogniseKernelMessage, splitKmsgRecords } from '../collectors/kernel-log/parse-kmsg.js';
import { parseBootId, parseOsRelease, parseUptimeSeconds } from '../collectors/procfs/parse-host-kernel-files.js';
import { parseMeminfo } from '../collectors/procfs/parse-meminfo.js';
import { parseProcCmdline } from '../collectors/procfs/parse-proc-cmdline.js';
import { parseProcLimits } from '../collectors/procfs/parse-proc-limits.js';
import { parseProcStat } from '../collectors/procfs/parse-proc-stat.js';
import { parseProcStatus, salvageProcStatus } from '../collectors/procfs/parse-proc-status.js';
import { parseVfioFdTarget } from '../collectors/procfs/parse-vfio-fd-target.js';
import { parseQemuCommandLine } from '../collectors/qemu/parse-qemu-command-line.js';
import { parseQemuSizeBytes } from '../collectors/qemu/parse-qemu-size.js';
import { parsePciIdAttribute, parseUnsignedAttribute } from '../collectors/sysfs/parse-sysfs-attribute.js';
import { BpftraceCounterTable, MAP_DECODERS, parseBpftraceLine } from '../ebpf/bpftrace-output.js';

/** 2^64: no unsigned long the kernel prints reaches it. */
const TWO_POW_64 = 2 ** 64;
const NUM_RUNS = Number(process.env['PINWATCH_FUZZ_RUNS'] ?? 300);
const run = (property: fc.IProperty<unknown>) => fc.assert(property, { numRuns: NUM_RUNS });

/** Runs parse; any throw must be the typed parse error naming the file. */
function parsedOrMalformed<T>(path: string, parse: () => T): T | null {
  try {
    return parse();
  } catch (error) {
    expect(error).toBeInstanceOf(HostFileError);
    expect((error as HostFileError).reason).toBe('malformed');
    expect((error as HostFileError).path).toBe(path);
    expect((error as HostFileError).message.startsWith(`${path}: `)).toBe(true);
    return null;
  }
}

const inU64Bytes = (value: number | null) => value === null || (Number.isFinite(value) && value >= 0 && value <= TWO_POW_64 * 1024);

/** Text that looks like procfs: real lines, mutated (cut, duplicated, digits replaced, random bytes put in). */
function mutatedText(base: string): fc.Arbitrary<string> {
  const lines = base.split('\n');
  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat(base.length) }),
    fc.record({ kind: fc.constant('replace-line' as const), line: fc.nat(lines.length), text: fc.string({ maxLength: 80 }) }),
    fc.record({ kind: fc.constant('number' as const), line: fc.nat(lines.length), text: fc.oneof(fc.constantFrom('-4', '1e23', '100000000000000000000000', '18446744073709551616', '18446744073709551615', 'NaN', ' ', ''), fc.bigInt({ min: 0n, max: 2n ** 80n }).map(String)) }),
    fc.record({ kind: fc.constant('bytes' as const), at: fc.nat(base.length), bytes: fc.uint8Array({ maxLength: 40 }) }),
  );
  return fc.array(mutation, { minLength: 1, maxLength: 4 }).map((mutations) => {
    let text = base;
    for (const m of mutations) {
      const current = text.split('\n');
      if (m.kind === 'cut') text = text.slice(0, m.at);
      else if (m.kind === 'replace-line') {
        current[m.line % current.length] = m.text;
        text = current.join('\n');
      } else if (m.kind === 'number') {
        const index = m.line % current.length;
        current[index] = (current[index] ?? '').replace(/\d+/, m.text);
        text = current.join('\n');
      } else text = text.slice(0, m.at) + Buffer.from(m.bytes).toString('latin1') + text.slice(m.at);
    }
    return text;
  });
}

const fixtureProcess = fc.record({
  pid: fc.integer({ min: 1, max: 4_194_304 }),
  comm: fc.string({ minLength: 1, maxLength: 15 }).filter((s) => !/[\n\0\r]/.test(s) && s === s.trim() && Buffer.from(s).toString() === s),
  uid: fc.integer({ min: 0, max: 4_294_967_295 }),
  startTimeTicks: fc.integer({ min: 0, max: 2 ** 40 }),
  lockedKib: fc.integer({ min: 0, max: 2 ** 40 }),
  pinnedKib: fc.integer({ min: 0, max: 2 ** 40 }),
  residentKib: fc.integer({ min: 0, max: 2 ** 40 }),
  ipcLock: fc.boolean(),
  hard: fc.oneof(fc.constant('unlimited' as const), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })),
  softFraction: fc.double({ min: 0, max: 1, noNaN: true }),
}).map((r): FixtureProcess => {
  const soft = r.hard === 'unlimited' ? (r.softFraction > 0.5 ? 'unlimited' : Math.floor(r.softFraction * 2 ** 40)) : Math.floor(r.hard * r.softFraction);
  return {
    pid: r.pid,
    comm: r.comm,
    uid: r.uid,
    ppid: 1,
    startTimeTicks: r.startTimeTicks,
    vm: { lockedKib: r.lockedKib, pinnedKib: r.pinnedKib, residentKib: r.residentKib },
    capEffHex: r.ipcLock ? CAP_EFF_IPC_LOCK : CAP_EFF_NONE,
    memlock: { soft, hard: r.hard },
    argv: [],
    fdTargets: [],
  };
});

const SAMPLE = procStatusText({
  pid: 4242, comm: 'qemu-system-x86', uid: 64055, ppid: 1, startTimeTicks: 5000,
  vm: { lockedKib: 4194304, pinnedKib: 0, residentKib: 4500000 }, capEffHex: CAP_EFF_NONE,
  memlock: { soft: 5368709120, hard: 5368709120 }, argv: [], fdTargets: [],
});
const SAMPLE_PROCESS: FixtureProcess = {
  pid: 4242, comm: 'qemu-system-x86', uid: 64055, ppid: 1, startTimeTicks: 5000,
  vm: { lockedKib: 4194304, pinnedKib: 0, residentKib: 4500000 }, capEffHex: CAP_EFF_NONE,
  memlock: { soft: 5368709120, hard: 5368709120 }, argv: [], fdTargets: [],
};

describe('/proc/PID/status', () => {
  const path = '/proc/4242/status';
  const anyStatus = fc.oneof(fc.string({ maxLength: 300 }), mutatedText(SAMPLE));

  it('returns values in kernel range or throws the typed parse error', () => {
    run(fc.property(anyStatus, (text) => {
      const status = parsedOrMalformed(path, () => parseProcStatus(text, path));
      if (!status) return;
      expect(status.realUid).toBeGreaterThanOrEqual(0);
      expect(status.realUid).toBeLessThanOrEqual(4_294_967_295);
      expect([status.lockedBytes, status.pinnedBytes, status.residentBytes].every(inU64Bytes)).toBe(true);
    }));
  });

  it('salvage never throws; every problem names the file; what it keeps is in range', () => {
    run(fc.property(anyStatus, (text) => {
      const { fields, problems } = salvageProcStatus(text, path);
      for (const problem of problems) expect([problem.reason, problem.path]).toEqual(['malformed', path]);
      expect([fields.lockedBytes, fields.pinnedBytes, fields.residentBytes].every(inU64Bytes)).toBe(true);
    }));
  });

  it('round-trips what the fixture writer prints', () => {
    run(fc.property(fixtureProcess, (p) => {
      expect(parseProcStatus(procStatusText(p), path)).toEqual({
        name: p.comm,
        realUid: p.uid,
        lockedBytes: (p.vm?.lockedKib ?? 0) * 1024,
        pinnedBytes: (p.vm?.pinnedKib ?? 0) * 1024,
        residentBytes: (p.vm?.residentKib ?? 0) * 1024,
        hasCapIpcLock: p.capEffHex === CAP_EFF_IPC_LOCK,
      });
    }));
  });
});

describe('/proc/PID/limits', () => {
  const path = '/proc/4242/limits';
  it('returns soft <= hard within 2^64, or throws the typed parse error', () => {
    run(fc.property(fc.oneof(fc.string({ maxLength: 300 }), mutatedText(procLimitsText(SAMPLE_PROCESS))), (text) => {
      const limit = parsedOrMalformed(path, () => parseProcLimits(text, path));
      if (!limit) return;
      for (const value of [limit.softBytes, limit.hardBytes]) expect(value === null || (value >= 0 && value <= TWO_POW_64)).toBe(true);
      if (limit.hardBytes !== null) expect(limit.softBytes !== null && limit.softBytes <= limit.hardBytes).toBe(true);
    }));
  });

  it('round-trips what the fixture writer prints', () => {
    run(fc.property(fixtureProcess, (p) => {
      const asBytes = (v: number | 'unlimited') => (v === 'unlimited' ? null : v);
      expect(parseProcLimits(procLimitsText(p), path)).toEqual({ softBytes: asBytes(p.memlock.soft), hardBytes: asBytes(p.memlock.hard) });
    }));
  });
});

describe('/proc/PID/stat', () => {
  const path = '/proc/4242/stat';
  const maxStartTimeTicks = 86_460 * 100;
  it('returns a start time within the uptime and a pid_t, or throws the typed parse error', () => {
    run(fc.property(fc.oneof(fc.string({ maxLength: 300 }), mutatedText(procStatText(SAMPLE_PROCESS))), (text) => {
      const stat = parsedOrMalformed(path, () => parseProcStat(text, path, { maxStartTimeTicks }));
      if (!stat) return;
      expect(Number.isSafeInteger(stat.startTimeTicks) && stat.startTimeTicks >= 0 && stat.startTimeTicks <= maxStartTimeTicks).toBe(true);
      expect(Number.isSafeInteger(stat.pid) && stat.pid >= 0).toBe(true);
    }));
  });

  it('round-trips any comm (spaces, parentheses) and start time', () => {
    run(fc.property(fixtureProcess, (p) => {
      expect(parseProcStat(procStatText(p), path)).toEqual({ pid: p.pid, comm: p.comm, startTimeTicks: p.startTimeTicks });
    }));
  });
});

describe('/proc/PID/cmdline and the QEMU command line', () => {
  const arg = fc.string({ maxLength: 40 }).filter((s) => !s.includes('\0') && Buffer.from(s).toString() === s);
  it('any bytes give an argv without throwing; printed argv round-trips', () => {
    run(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      expect(Array.isArray(parseProcCmdline(Buffer.from(bytes)))).toBe(true);
    }));
    run(fc.property(fc.array(arg, { maxLength: 12 }), (argv) => {
      const bytes = argv.length === 0 ? Buffer.alloc(0) : Buffer.from(`${argv.join('\0')}\0`);
      expect(parseProcCmdline(bytes)).toEqual(argv);
    }));
  });

  const option = fc.constantFrom('-name', '-m', '-uuid', '-object', '-device', '-overcommit', '-realtime', '-machine', '-numa', '-cpu');
  const value = fc.oneof(
    arg,
    fc.constantFrom('guest=web-01,debug-threads=on', '4G', 'size=4G,slots=2,maxmem=99999999999999999999999E', '{"driver":"vfio-pci","host":"0000:21:00.0"}', 'vfio-pci,host=21:00.0,id=hostdev0', 'memory-backend-ram,id=m0,size=1e400', 'intel-iommu,caching-mode=on', 'mem-lock=on', '{"qom-type":"memory-backend-memfd","id":"ram","size":-1}', `${'9'.repeat(400)}`, 'vfio-pci,sysfsdev=/sys/bus/pci/devices/0000:21:00.0'),
  );
  const argv = fc.array(fc.oneof(option, value), { maxLength: 16 }).map((rest) => ['/usr/bin/qemu-system-x86_64', ...rest]);

  it('parseQemuCommandLine never throws; sizes are within 2^64 bytes; problems are strings', () => {
    run(fc.property(fc.oneof(argv, fc.array(arg, { maxLength: 10 })), (args) => {
      const problems: string[] = [];
      const identity = parseQemuCommandLine(args, problems);
      expect([identity.memoryBytes, identity.maxMemoryBytes, ...identity.memoryBackends.map((b) => b.sizeBytes)].every((v) => v === null || (Number.isFinite(v) && v >= 0 && v <= TWO_POW_64))).toBe(true);
      for (const device of identity.vfioDevices) expect(device.hostAddress === null || /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/.test(device.hostAddress)).toBe(true);
      for (const problem of problems) expect(typeof problem).toBe('string');
    }));
  });

  it('a libvirt argv round-trips name, uuid, -m and the vfio-pci host', () => {
    run(fc.property(fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/), fc.uuid(), fc.integer({ min: 1, max: 2 ** 24 }), (name, uuid, memoryMiB) => {
      const identity = parseQemuCommandLine(libvirtKeyValueArgv({ name, uuid, memoryMiB, vfioHosts: ['0000:21:00.0'] }));
      expect([identity.guestName, identity.uuid, identity.memoryBytes, identity.vfioDevices.map((d) => d.hostAddress)]).toEqual([name, uuid, memoryMiB * 2 ** 20, ['0000:21:00.0']]);
    }));
  });

  it('a QEMU size is null or within 2^64 bytes (qemu_strtosz refuses more)', () => {
    run(fc.property(fc.oneof(fc.string({ maxLength: 30 }), fc.stringMatching(/^\d{1,400}(\.\d{1,5})?[bkmgtpeBKMGTPE]?$/)), fc.constantFrom(1, 2 ** 20), (text, unit) => {
      const bytes = parseQemuSizeBytes(text, unit);
      expect(bytes === null || (Number.isFinite(bytes) && bytes >= 0 && bytes <= TWO_POW_64)).toBe(true);
    }));
  });

  it('an fd link target gives a handle or null, never throws', () => {
    run(fc.property(fc.oneof(fc.string({ maxLength: 60 }), fc.stringMatching(/^\/dev\/vfio\/(\d{1,30}|devices\/vfio\d{1,30}|vfio)$/)), (target) => {
      const handle = parseVfioFdTarget(target);
      if (handle?.iommuGroup !== undefined) expect(Number.isSafeInteger(handle.iommuGroup)).toBe(true);
    }));
  });
});

describe('sysfs attributes and host files', () => {
  it('a PCI id is 0x-hex or the typed parse error; an unsigned attribute fits 2^64', () => {
    const path = '/sys/bus/pci/devices/0000:21:00.0/vendor';
    run(fc.property(fc.oneof(fc.string({ maxLength: 30 }), fc.stringMatching(/^(0x)?[0-9a-fA-F]{0,40}\n?$/), fc.stringMatching(/^\d{1,400}\n$/)), (text) => {
      const id = parsedOrMalformed(path, () => parsePciIdAttribute(text, path));
      if (id !== null) expect(id).toMatch(/^0x[0-9a-f]+$/);
      const number = parsedOrMalformed(path, () => parseUnsignedAttribute(text, path));
      if (number !== null) expect(Number.isFinite(number) && number >= 0 && number <= TWO_POW_64).toBe(true);
    }));
  });

  it('meminfo, uptime, boot_id and osrelease give values in range or the typed parse error', () => {
    const meminfo = 'MemTotal:       65536000 kB\nMemAvailable:   32768000 kB\nHugePages_Total:       0\nHugepagesize:       2048 kB\n';
    run(fc.property(fc.oneof(fc.string({ maxLength: 200 }), mutatedText(meminfo), mutatedText('864000.00 1468800.00\n')), (text) => {
      const m = parsedOrMalformed('/proc/meminfo', () => parseMeminfo(text, '/proc/meminfo'));
      if (m) expect([m.memTotalBytes, m.hugetlbTotalBytes, m.memAvailableBytes ?? 0].every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
      const uptime = parsedOrMalformed('/proc/uptime', () => parseUptimeSeconds(text, '/proc/uptime'));
      if (uptime !== null) expect(Number.isFinite(uptime) && uptime >= 0).toBe(true);
      parsedOrMalformed('/proc/sys/kernel/random/boot_id', () => parseBootId(text, '/proc/sys/kernel/random/boot_id'));
      parsedOrMalformed('/proc/sys/kernel/osrelease', () => parseOsRelease(text, '/proc/sys/kernel/osrelease'));
    }));
  });
});

describe('kernel log records (/dev/kmsg)', () => {
  it('never throws; a record parses to finite non-negative numbers; a printed record round-trips', () => {
    run(fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.stringMatching(/^\d{0,30},\d{0,30},\d{0,30},-;.{0,40}$/)), (text) => {
      for (const record of splitKmsgRecords(text)) {
        const parsed = parseKmsgRecord(record);
        if (parsed.ok) expect([parsed.record.priority, parsed.record.sequence, parsed.record.monotonicUs].every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
      }
    }));
    const message = fc.string({ maxLength: 60 }).filter((s) => !s.includes('\n'));
    run(fc.property(fc.nat(191), fc.nat({ max: 2 ** 52 }), fc.nat({ max: 2 ** 52 }), message, (priority, sequence, monotonicUs, text) => {
      expect(parseKmsgRecord(`${priority},${sequence},${monotonicUs},-;${text}`)).toEqual({ ok: true, record: { priority, sequence, monotonicUs, message: text } });
    }));
  });

  it('a recognised RLIMIT_MEMLOCK record quotes a limit within 2^64 and round-trips the printk format', () => {
    run(fc.property(fc.oneof(fc.stringMatching(/^vfio_pin_pages_remote: RLIMIT_MEMLOCK \(\d{1,400}\) exceeded$/), fc.string({ maxLength: 80 })), (text) => {
      const recognised = recogniseKernelMessage(text);
      if (recognised?.limitBytes != null) expect(Number.isFinite(recognised.limitBytes) && recognised.limitBytes <= TWO_POW_64).toBe(true);
    }));
    run(fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER }), (limit) => {
      expect(recogniseKernelMessage(`vfio_pin_pages_remote: RLIMIT_MEMLOCK (${limit}) exceeded`)).toEqual({ kind: 'memlock_exceeded', limitBytes: limit, comm: null, pid: null });
    }));
  });
});

describe('bpftrace -f json output', () => {
  it('parseBpftraceLine never throws, for any text or any JSON', () => {
    run(fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.json(), fc.jsonValue().map((data) => JSON.stringify({ type: 'map', data }))), (line) => {
      const parsed = parseBpftraceLine(line);
      if (!parsed.ok) expect(parsed.issue.line.length).toBeLessThanOrEqual(203);
    }));
  });

  it('a printed map record round-trips; the counter table takes any JSON value without throwing', () => {
    const names = [...MAP_DECODERS.keys()];
    run(fc.property(fc.constantFrom(...names), fc.jsonValue(), (name, value) => {
      const parsed = parseBpftraceLine(JSON.stringify({ type: 'map', data: { [name]: value } }));
      expect(parsed).toEqual({ ok: true, record: { kind: 'map', name, value: JSON.parse(JSON.stringify(value)) } });
      const table = new BpftraceCounterTable();
      const problem = table.applyMap(name, value);
      const contents = table.contents();
      if (problem === null) {
        for (const counters of contents.perTgid.values()) expect(Number.isFinite(counters.pinnedPages)).toBe(true);
      }
    }));
  });
});

describe('counterexamples found by the properties above, kept as examples', () => {
  it('a QEMU size past 2^64 bytes is not a size: "-m 90E", "-m" with 400 nines', () => {
    expect(parseQemuSizeBytes('90E', 1)).toBeNull();
    expect(parseQemuSizeBytes('9'.repeat(400), 2 ** 20)).toBeNull();
    expect(parseQemuCommandLine(['qemu-system-x86_64', '-m', '9'.repeat(400)]).memoryBytes).toBeNull();
    expect(parseQemuSizeBytes('16E', 1)).toBe(2 ** 64);
  });

  it('an unsigned sysfs attribute or a kernel-log limit past 2^64 is refused', () => {
    const path = '/sys/module/vfio_iommu_type1/parameters/dma_entry_limit';
    expect(() => parseUnsignedAttribute(`${'9'.repeat(400)}\n`, path)).toThrow(`${path}: does not fit an unsigned long`);
    expect(recogniseKernelMessage(`vfio_pin_pages_remote: RLIMIT_MEMLOCK (${'9'.repeat(400)}) exceeded`)).toBeNull();
  });
});
