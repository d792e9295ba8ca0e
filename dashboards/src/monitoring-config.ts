/**
 * What an operator may change in the generated dashboards and rules. The
 * defaults are what dashboards/grafana/*.json and dashboards/prometheus/*.yml
 * are generated with; a site whose scrape job is not "pinwatch" regenerates
 * with its own selector (see dashboards/README.md).
 */
export interface MonitoringConfig {
  /**
   * Label matchers (without braces) that select pinwatch's series in Prometheus,
   * put in every vector selector of every rule and panel: `job="pinwatch"`.
   */
  selector: string;
  /**
   * Replaces every alert's `for` when set: the end-to-end test evaluates the
   * rules against a host that has only been up a few seconds. Never set for
   * the committed rules.
   */
  alertForOverride: string | null;
  /**
   * Base of every alert's runbook_url; "#anchor" is appended. Defaults to the
   * path in this repository: a site points it at wherever it hosts docs/runbook.md.
   */
  runbookBaseUrl: string;
  /**
   * Headroom (soft RLIMIT_MEMLOCK - VmLck) below which a VM is one DMA
   * mapping away from ENOMEM. 256 MiB: above a ROM/BAR-sized mapping, below
   * the 1 GiB allowance libvirt adds, so a correctly sized VM stays silent.
   */
  headroomLowBytes: number;
  /**
   * What QEMU may lock beyond guest RAM x DMA address spaces before VmLck
   * counts as drift: libvirt's +1 GiB (qemuDomainGetMemLockLimitBytes), the
   * same allowance analysis/thresholds.ts uses.
   */
  driftAllowanceBytes: number;
  /** VmLck below expected x this is drift too (analysis' underRatio). */
  driftUnderRatio: number;
  /** Window of the counter alerts (charge failures, MAP_DMA failures, kernel log). */
  counterWindow: string;
  /** Window over which mapped-but-not-charged pages must keep rising. */
  mappedNotChargedWindow: string;
  /** Window of the rate() recording rules the dashboards plot. */
  rateWindow: string;
  /** How stale pinwatch_last_collection_timestamp_seconds may get, in seconds (4 cycles of 15 s = 60). */
  collectionStaleSeconds: number;
}

export const defaultMonitoringConfig: MonitoringConfig = {
  selector: 'job="pinwatch"',
  alertForOverride: null,
  runbookBaseUrl: 'docs/runbook.md',
  headroomLowBytes: 256 * 1024 ** 2,
  driftAllowanceBytes: 1024 ** 3,
  driftUnderRatio: 0.9,
  counterWindow: '15m',
  mappedNotChargedWindow: '30m',
  rateWindow: '5m',
  collectionStaleSeconds: 120,
};
