import { describe, expect, it } from 'vitest';
import { fullCycle } from '../test-support/cycle-builder.js';
import { statusPageHtml } from './status-page.js';

describe('the status page', () => {
  it('says so before the first cycle, with the eBPF state', () => {
    const html = statusPageHtml({
      version: '0.1.0',
      cycle: null,
      ebpf: { state: 'starting', reason: null, probesAttached: 0, starts: 1, exits: { clean: 0, error: 0, signal: 0, timeout: 0 }, lostEvents: 0, parseErrors: 0 },
    });
    expect(html).toContain('<p id="not-ready">No collection cycle has finished yet.</p>');
    expect(html).toContain('eBPF: <strong>starting</strong>, 0 probes attached');
  });

  it('escapes what comes from the host: a guest name is text, never markup', () => {
    const cycle = fullCycle();
    cycle.vms[0]!.analysis.vmName = '<img src=x onerror=alert(1)>';
    const html = statusPageHtml({ version: '0.1.0', cycle, ebpf: null });
    expect(html).not.toContain('<img');
    expect(html).toContain('&#60;img src=x onerror=alert(1)&#62;');
  });

  it('shows why eBPF is off', () => {
    const html = statusPageHtml({
      version: '0.1.0',
      cycle: fullCycle(),
      ebpf: { state: 'off', reason: 'bpftrace not found in PATH', probesAttached: 0, starts: 0, exits: { clean: 0, error: 0, signal: 0, timeout: 0 }, lostEvents: 0, parseErrors: 0 },
    });
    expect(html).toContain('eBPF: <strong>off</strong>, 0 probes attached, 0 bpftrace starts — bpftrace not found in PATH');
  });
});
