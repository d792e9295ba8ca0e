import type { MonitoringConfig } from './monitoring-config.js';

/**
 * `metric{<site selector>,<extra matchers>}`: every series a rule or panel
 * reads goes through here, so the job selector is configured in one place.
 */
export function vectorSelector(config: MonitoringConfig, metric: string, extraMatchers = ''): string {
  const matchers = [config.selector, extraMatchers].filter((part) => part.trim() !== '').join(', ');
  return `${metric}{${matchers}}`;
}

/**
 * The labels that identify one VM's series on one pinwatch: joins between
 * per-VM metrics match on these, never on the whole label set, because some
 * per-VM metrics carry extra labels (limit, class, kind).
 */
export const VM_JOIN_LABELS = 'job, instance, vm';
