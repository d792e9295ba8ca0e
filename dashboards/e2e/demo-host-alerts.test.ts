/**
 * The demo host's expected alerts (demo-host-alerts.ts) against the values
 * DEMO_VMS states, with the thresholds the rules are generated with: when the
 * demo host or a threshold changes, this fails in `npm test`, before the
 * end-to-end suite does.
 */
import { describe, expect, it } from 'vitest';
import { DEMO_BROKEN_PROCESSES, DEMO_VMS, type DemoVfioUser } from '../../fixtures/demo-host.js';
import { defaultMonitoringConfig } from '../src/monitoring-config.js';
import { alertRules } from '../src/alert-rules.js';
import { DEMO_FIRING_ALERTS, DEMO_SILENT_ALERTS } from './demo-host-alerts.js';

const config = defaultMonitoringConfig;
const vmName = (user: DemoVfioUser) => user.guestName ?? user.comm;
/** The VMs the rules judge by VmLck against RLIMIT_MEMLOCK (no CAP_IPC_LOCK, a type1 charge). */
const limited = DEMO_VMS.filter(
  (user) => user.memlockSoftBytes !== null && !user.hasCapIpcLock && !['underflow', 'iommufd'].includes(user.expectedAccountingClass),
);
const expectedVms = (alert: string) => DEMO_FIRING_ALERTS.find((expected) => expected.alert === alert)?.vms;

describe('demo host alert expectations', () => {
  it('say of every alert whether it fires on the demo host, once', () => {
    const stated = [...DEMO_FIRING_ALERTS, ...DEMO_SILENT_ALERTS].map((expected) => expected.alert).sort();
    expect(stated).toEqual(alertRules(config).map((rule) => rule.alert).sort());
  });

  it('name only VMs of the demo host', () => {
    const names = new Set([...DEMO_VMS.map(vmName), ...DEMO_BROKEN_PROCESSES.flatMap((b) => (b.listed && b.vmName ? [b.vmName] : []))]);
    const named = DEMO_FIRING_ALERTS.flatMap((expected) => expected.vms ?? []);
    expect(named.filter((name) => !names.has(name))).toEqual([]);
  });

  it('PinwatchMemlockHeadroomLow: headroom under 256 MiB, or under guest RAM behind a vIOMMU', () => {
    const low = limited.filter((user) => {
      const headroomBytes = user.memlockSoftBytes! - user.lockedBytes;
      const viommuHotplugBytes = user.viommu && user.guestMemoryBytes !== null ? user.guestMemoryBytes : 0;
      return headroomBytes < config.headroomLowBytes || headroomBytes < viommuHotplugBytes;
    });
    expect(low.map(vmName).sort()).toEqual(expectedVms('PinwatchMemlockHeadroomLow'));
  });

  it('PinwatchMemlockLimitBelowExpected: expected charge above the soft limit', () => {
    const below = limited.filter((user) => user.expectedLockedBytes !== null && user.expectedLockedBytes > user.memlockSoftBytes!);
    expect(below.map(vmName).sort()).toEqual(expectedVms('PinwatchMemlockLimitBelowExpected'));
  });

  it('PinwatchLockedMemoryDrift: VmLck over expected + 1 GiB or under 90% of it, doubled charges aside', () => {
    const drifted = DEMO_VMS.filter((user) => {
      if (user.expectedLockedBytes === null || ['double-charged', 'underflow', 'iommufd'].includes(user.expectedAccountingClass)) return false;
      const differenceBytes = user.lockedBytes - user.expectedLockedBytes;
      return differenceBytes > config.driftAllowanceBytes || differenceBytes < -(1 - config.driftUnderRatio) * user.expectedLockedBytes;
    });
    expect(drifted.map(vmName).sort()).toEqual(expectedVms('PinwatchLockedMemoryDrift'));
  });

  it.each([
    ['PinwatchLockedMemoryUnderflow', 'underflow'],
    ['PinwatchDoubleCharged', 'double-charged'],
  ] as const)('%s: the VMs of class %s', (alert, accountingClass) => {
    const inClass = DEMO_VMS.filter((user) => user.expectedAccountingClass === accountingClass);
    expect(inClass.map(vmName).sort()).toEqual(expectedVms(alert));
  });
});
