import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBpftraceLine } from './bpftrace-output.js';
import { BpftraceStreamDecoder } from './bpftrace-stream.js';

const CAPTURE = path.join(import.meta.dirname, '..', 'fixtures', 'captures', 'linux-6.1', 'qemu-run-bpftrace-output.json');

function decode(lines: string[]): { decoder: BpftraceStreamDecoder; issues: string[] } {
  const issues: string[] = [];
  const decoder = new BpftraceStreamDecoder((issue) => issues.push(issue.message));
  for (const line of lines) decoder.pushLine(line);
  decoder.commit();
  return { decoder, issues };
}

describe('the real capture (QEMU 7.2 on Debian 6.1, vfio.bt, tgid 1682)', () => {
  const { decoder, issues } = decode(fs.readFileSync(CAPTURE, 'utf8').split('\n'));
  const qemu = decoder.latest().perTgid.get(1682);

  it('parses without errors and reports 12 attached probes', () => {
    expect(issues).toEqual([]);
    expect(decoder.parseErrors).toBe(0);
    expect(decoder.attachedProbes).toBe(12);
    expect([...decoder.latest().perTgid.keys()]).toEqual([1682]);
  });

  it('gives the numbers that reconcile: 118386 pinned > 117985 charged, 97537 + 20448 = 117985', () => {
    expect(qemu?.comm).toBe('qemu-system-x86');
    expect(qemu?.pinCalls).toBe(213);
    expect(qemu?.pinnedPages).toBe(118386);
    expect(qemu?.chargedPages).toBe(117985);
    expect(qemu?.unchargedPages).toBe(97537);
    // @acct_failed {"1682,-3": -20448}: the final un-charge at exit failed with ESRCH
    expect([...(qemu?.chargeFailedPages ?? [])]).toEqual([[3, 20448]]);
    expect(qemu?.unpinCalls).toBe(213);
    expect(qemu?.unpinnedPages).toBe(117985);
    expect(qemu?.pinErrors.size).toBe(0);
    expect((qemu?.unchargedPages ?? 0) + (qemu?.chargeFailedPages.get(3) ?? 0)).toBe(qemu?.chargedPages);
  });
});

describe('parseBpftraceLine', () => {
  it.each([
    ['empty', '', 'blank'],
    ['attached', '{"type": "attached_probes", "data": {"probes": 4}}', 'attached'],
    ['map', '{"type": "map", "data": {"@pin_calls": {"7": 1}}}', 'map'],
    ['hist', '{"type": "hist", "data": {"@pin_run_len": []}}', 'hist'],
    ['tick', '{"type": "printf", "data": "pinwatch-tick\\n"}', 'tick'],
    ['printf', '{"type": "printf", "data": "hello\\n"}', 'printf'],
    ['lost events', '{"type": "lost_events", "data": {"events": 3}}', 'lost-events'],
  ])('%s line -> %s', (_name, line, kind) => {
    const parsed = parseBpftraceLine(line);
    expect(parsed.ok && parsed.record.kind).toBe(kind);
  });

  it.each([
    ['truncated JSON', '{"type": "map", "data": {"@pin_calls": {"16', /not JSON/],
    ['garbage', 'Attaching 12 probes...', /not JSON/],
    ['array', '[1,2]', /not a JSON object/],
    ['unknown type', '{"type": "surprise", "data": 1}', /unknown record type "surprise"/],
    ['attached without count', '{"type": "attached_probes", "data": {}}', /numeric "probes"/],
    ['two maps in one record', '{"type": "map", "data": {"@a": {}, "@b": {}}}', /2 maps/],
  ])('%s is an issue quoting the line', (_name, line, message) => {
    const parsed = parseBpftraceLine(line);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.issue.message).toMatch(message);
      expect(parsed.issue.line).toBe(line);
    }
  });
});

describe('BpftraceStreamDecoder on broken output', () => {
  it('counts each bad line, keeps the good ones, and commits only at a tick', () => {
    const issues: string[] = [];
    const decoder = new BpftraceStreamDecoder((issue) => issues.push(issue.message));
    decoder.pushLine('{"type": "attached_probes", "data": {"probes": 6}}');
    decoder.pushLine('{"type": "map", "data": {"@pinned_pages": {"1682": 100}}}');
    expect(decoder.latest().perTgid.size).toBe(0); // not committed yet
    decoder.pushLine('{"type": "map", "data": {"@pinned_pages": {"qemu": 5}}}'); // non-numeric key
    decoder.pushLine('{"type": "map", "data": {"@mystery": {"1": 1}}}'); // unknown map
    decoder.pushLine('{"type": "map", "data": {"@pin_errors": {"1682": 2}}}'); // key lacks retval
    decoder.pushLine('{"type": "map", "data": {"@locked_inc": {"1682": "many"}}}'); // value not a number
    decoder.pushLine('{"type": "map", "data": {"@pinned_pa');
    decoder.pushLine('\u0000\u0001garbage');
    decoder.pushLine('{"type": "map", "data": {"@locked_inc": {"1682": 90}}}');
    decoder.pushLine('{"type": "printf", "data": "pinwatch-tick\\n"}');
    expect(decoder.parseErrors).toBe(6);
    expect(issues).toEqual([
      'map @pinned_pages: key "qemu" is not a tgid',
      'unknown map @mystery',
      'map @pin_errors: key "1682" is not "tgid,retval"',
      'map @locked_inc: value of 1682 is not a number',
      expect.stringMatching(/^not JSON/),
      expect.stringMatching(/^not JSON/),
    ]);
    const counters = decoder.latest().perTgid.get(1682);
    expect(counters?.pinnedPages).toBe(100); // the bad print did not replace the good one
    expect(counters?.chargedPages).toBe(90);
  });

  it('each print replaces the previous values of that map (bpftrace prints cumulative sums)', () => {
    const { decoder } = decode([
      '{"type": "map", "data": {"@pinned_pages": {"10": 5, "11": 7}}}',
      '{"type": "map", "data": {"@pinned_pages": {"10": 9, "11": 7}}}',
      '{"type": "map", "data": {"@pin_errors": {"10,-12": 3}}}',
      '{"type": "map", "data": {"@unattributed_unpinned": 44}}',
    ]);
    expect(decoder.latest().perTgid.get(10)?.pinnedPages).toBe(9);
    expect([...(decoder.latest().perTgid.get(10)?.pinErrors ?? [])]).toEqual([[12, 3]]);
    expect(decoder.latest().perTgid.get(11)?.pinnedPages).toBe(7);
    expect(decoder.latest().unattributedUnpinnedPages).toBe(44);
  });
});
