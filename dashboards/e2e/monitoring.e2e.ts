/**
 * End to end: pinwatch serving the demo host on loopback over TLS with basic
 * auth (--web.config.file, as node_exporter users configure it), a real Prometheus
 * (Debian's package) scraping it every second with the shipped rules (every
 * `for` set to 0s), then every dashboard query, every variable, every rule
 * expression and the demo's expected alerts checked through the HTTP API.
 *
 * Needs `npm run build` (dist/cli/main.js with the demo command) and
 * /usr/bin/prometheus (bash dashboards/scripts/install-prometheus.sh).
 * Run: npx vitest run --config vitest.e2e.config.ts dashboards/e2e
 * PINWATCH_E2E_TARGET=127.0.0.1:PORT checks an already running pinwatch (plain HTTP) instead of starting the demo.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import bcrypt from 'bcryptjs';
import { stringify } from 'yaml';
import { makeTestCertificates, type TestCertificates } from '../../server/test-support/test-certificates.js';
import { renderRuleFile } from '../src/generated-outputs.js';
import { defaultMonitoringConfig, type MonitoringConfig } from '../src/monitoring-config.js';
import { shippedExpressions, type ShippedExpression } from '../src/monitoring-sources.js';
import { vectorSelectorsIn } from '../src/promql-selectors.js';
import { repositoryRoot } from '../src/repository-files.js';
import { DEMO_FIRING_ALERTS, DEMO_SILENT_ALERTS } from './demo-host-alerts.js';
import { freeLoopbackPort } from './loopback-port.js';
import { ManagedProcess, PollAborted, pollUntil } from './managed-process.js';
import { PrometheusApi, type PrometheusAlert } from './prometheus-api.js';

const root = repositoryRoot();
const prometheusBinary = process.env.PROMETHEUS ?? 'prometheus';
const pinwatchMain = join(root, 'dist', 'cli', 'main.js');
/** The e2e copy of the rules: same expressions and thresholds, `for: 0s` so a seconds-old host fires. */
const config: MonitoringConfig = { ...defaultMonitoringConfig, alertForOverride: '0s' };

/** Grafana's template variables, as "All" selects them; vm=~".*" also matches records that name no VM. */
function substituteTemplateVariables(expr: string): string {
  return expr.replaceAll('$instance', '.+').replaceAll('$vm', '.*');
}

let workDir = '';
let pinwatch: ManagedProcess | null = null;
let prometheus: ManagedProcess | null = null;
let api: PrometheusApi;

/** How Prometheus reaches pinwatch: https with a CA and basic auth for the demo, plain HTTP for an external target. */
interface ScrapeTarget {
  address: string;
  tls: { certs: TestCertificates; user: string; password: string } | null;
}
let scrapeTarget: ScrapeTarget;

/** GET over https trusting the test CA, with basic auth (fetch cannot take a CA). */
function httpsGet(url: string, target: NonNullable<ScrapeTarget['tls']>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca: readFileSync(target.certs.caCert), auth: `${target.user}:${target.password}`, timeout: 5000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: timeout`)));
    req.end();
  });
}

function processesState(): string {
  return [pinwatch?.describe(), prometheus?.describe()].filter(Boolean).join('\n\n');
}

async function startPinwatchDemo(): Promise<ScrapeTarget> {
  const external = process.env.PINWATCH_E2E_TARGET;
  if (external) return { address: external, tls: null };
  if (!existsSync(pinwatchMain)) throw new Error(`${pinwatchMain} is missing: run npm run build first`);
  const help = spawnSync(process.execPath, [pinwatchMain, 'demo', '--help'], { cwd: root, encoding: 'utf8', timeout: 30_000 });
  if (help.status !== 0) {
    throw new Error(`"pinwatch demo" is not available (exit ${String(help.status)}): ${(help.stderr || help.stdout).slice(0, 500)}`);
  }
  const port = await freeLoopbackPort();
  const target = `127.0.0.1:${port}`;
  const tls = { certs: makeTestCertificates(workDir), user: 'prometheus', password: 'e2e-scrape-secret' };
  const webConfigPath = join(workDir, 'web-config.yml');
  writeFileSync(
    webConfigPath,
    stringify({
      tls_server_config: { cert_file: tls.certs.serverCert, key_file: tls.certs.serverKey },
      basic_auth_users: { [tls.user]: bcrypt.hashSync(tls.password, 10) },
    }),
  );
  pinwatch = ManagedProcess.start(
    'pinwatch demo',
    process.execPath,
    [pinwatchMain, 'demo', '--web.listen-address', target, '--web.config.file', webConfigPath],
    root,
  );
  await pollUntil(
    `pinwatch demo serving VMs on https://${target}/metrics`,
    async () => {
      if (pinwatch?.hasExited) throw new PollAborted(processesState());
      const { status, body } = await httpsGet(`https://${target}/metrics`, tls);
      return status === 200 && body.includes('pinwatch_vm_info{') ? { value: true } : { reason: `${status}: no pinwatch_vm_info yet` };
    },
    120,
    500,
  );
  return { address: target, tls };
}

async function startPrometheus(target: ScrapeTarget): Promise<string> {
  const port = await freeLoopbackPort();
  const rulesPath = join(workDir, 'rules.yml');
  writeFileSync(rulesPath, renderRuleFile(config));
  const configPath = join(workDir, 'prometheus.yml');
  writeFileSync(
    configPath,
    stringify({
      global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
      rule_files: [rulesPath],
      scrape_configs: [
        {
          job_name: 'pinwatch',
          static_configs: [{ targets: [target.address] }],
          ...(target.tls
            ? {
                scheme: 'https',
                tls_config: { ca_file: target.tls.certs.caCert, server_name: 'localhost' },
                basic_auth: { username: target.tls.user, password: target.tls.password },
              }
            : {}),
        },
      ],
    }),
  );
  prometheus = ManagedProcess.start(
    'prometheus',
    prometheusBinary,
    [
      `--config.file=${configPath}`,
      `--storage.tsdb.path=${join(workDir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // Its own console paths: the Debian package's defaults point at /etc/prometheus.
      `--web.console.templates=${workDir}`,
      `--web.console.libraries=${workDir}`,
    ],
    workDir,
  );
  return `http://127.0.0.1:${port}`;
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'pinwatch-monitoring-e2e-'));
  scrapeTarget = await startPinwatchDemo();
  api = new PrometheusApi(await startPrometheus(scrapeTarget));
  await pollUntil(
    'Prometheus scraping pinwatch',
    async () => {
      if (prometheus?.hasExited) throw new PollAborted(processesState());
      const targets = await api.targets();
      return targets.length === 1 && targets[0]?.health === 'up'
        ? { value: true }
        : { reason: JSON.stringify(targets.map((t) => [t.scrapeUrl, t.health, t.lastError])) };
    },
    120,
    500,
  );
}, 180_000);

afterAll(async () => {
  await prometheus?.stop();
  await pinwatch?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
}, 30_000);

/** Polls until every expression returns data (rates need a few scrapes); returns the ones that never did. */
async function expressionsWithoutData(expressions: ShippedExpression[]): Promise<string[]> {
  let empty: string[] = [];
  await pollUntil(
    'every expression returning data',
    async () => {
      empty = [];
      for (const expression of expressions) {
        const result = await api.query(substituteTemplateVariables(expression.expr));
        if (result.length === 0) empty.push(`${expression.source}: ${expression.expr}`);
      }
      return empty.length === 0 ? { value: true } : { reason: `${empty.length} empty` };
    },
    30,
    1000,
  ).catch(() => undefined);
  return empty;
}

describe('the shipped rules and dashboards against a real Prometheus scraping the demo host', () => {
  const expressions = shippedExpressions(config);

  it('Prometheus scrapes pinwatch over TLS with basic auth, and the target is up', async () => {
    if (scrapeTarget.tls === null) return expect(process.env.PINWATCH_E2E_TARGET).toBeDefined();
    const [target] = await api.targets();
    expect(target?.scrapeUrl).toBe(`https://${scrapeTarget.address}/metrics`);
    expect(target?.health).toBe('up');
    const up = await api.query('up{job="pinwatch"}');
    expect(up.map((sample) => sample.value[1])).toEqual(['1']);
    // And the same port refuses a wrong password.
    const wrong = await httpsGet(`https://${scrapeTarget.address}/metrics`, { ...scrapeTarget.tls, password: 'wrong' });
    expect(wrong.status).toBe(401);
  });

  it('loads every rule and evaluates it without error', async () => {
    const rules = await pollUntil<Awaited<ReturnType<PrometheusApi['ruleHealth']>>>(
      'rules evaluated',
      async () => {
        const health = await api.ruleHealth();
        return health.length > 0 && health.every((rule) => rule.health !== 'unknown') ? { value: health } : { reason: 'not evaluated yet' };
      },
      30,
      1000,
    );
    expect(rules.length).toBe(expressions.filter((e) => e.kind === 'alert' || e.kind === 'record').length);
    expect(rules.filter((rule) => rule.health !== 'ok').map((rule) => `${rule.name}: ${rule.lastError ?? rule.health}`)).toEqual([]);
  }, 60_000);

  it('every dashboard panel query and variable returns data', async () => {
    expect((await expressionsWithoutData(expressions.filter((e) => e.kind === 'panel' || e.kind === 'variable'))).join('\n')).toBe('');
  }, 120_000);

  it('every recording rule returns data', async () => {
    expect((await expressionsWithoutData(expressions.filter((e) => e.kind === 'record'))).join('\n')).toBe('');
  }, 120_000);

  it('every metric an alert reads is served by pinwatch', async () => {
    // An alert that stays silent returns nothing, so each metric it reads is queried on its own.
    const metricQueries = [
      ...new Set(
        expressions
          .filter((e) => e.kind === 'alert')
          .flatMap((e) => vectorSelectorsIn(e.expr).map((selector) => `${selector.metric}{${config.selector}}`)),
      ),
    ].map((expr) => ({ source: `metric read by an alert`, kind: 'alert' as const, expr }));
    expect((await expressionsWithoutData(metricQueries)).join('\n')).toBe('');
  }, 120_000);

  describe('alerts on the demo host', () => {
    let firing: PrometheusAlert[] = [];
    beforeAll(async () => {
      // Bounded wait for every expected alert to fire; what fires then is asserted below.
      await pollUntil(
        'the expected alerts firing',
        async () => {
          firing = (await api.alerts()).filter((alert) => alert.state === 'firing');
          const names = new Set(firing.map((alert) => alert.labels.alertname));
          const missing = DEMO_FIRING_ALERTS.filter((expected) => !names.has(expected.alert)).map((expected) => expected.alert);
          return missing.length === 0 ? { value: true } : { reason: `not firing: ${missing.join(', ')}` };
        },
        30,
        1000,
      ).catch(() => undefined);
    }, 60_000);

    it.each(DEMO_FIRING_ALERTS.map((expected) => [expected.alert, expected] as const))('%s fires', (alert, expected) => {
      const vms = firing.filter((a) => a.labels.alertname === alert).map((a) => a.labels.vm ?? '');
      expect(vms.length, `${alert} should fire: ${expected.why}`).toBeGreaterThan(0);
      if (expected.vms) expect([...new Set(vms)].sort(), expected.why).toEqual(expected.vms);
    });

    it.each(DEMO_SILENT_ALERTS.map((expected) => [expected.alert, expected.why] as const))('%s stays silent', (alert, why) => {
      expect(firing.filter((a) => a.labels.alertname === alert).map((a) => a.labels), why).toEqual([]);
    });

    it('fires no alert the expectations do not name', () => {
      const named = new Set([...DEMO_FIRING_ALERTS, ...DEMO_SILENT_ALERTS].map((expected) => expected.alert));
      expect(expressions.filter((e) => e.kind === 'alert').map((e) => e.ruleName).filter((name) => !named.has(name!))).toEqual([]);
    });

    it('renders the runbook link and the numbers into the annotations', () => {
      const batch = firing.find((a) => a.labels.alertname === 'PinwatchMemlockLimitBelowExpected' && a.labels.vm === 'batch-05');
      expect(batch?.annotations.runbook_url).toBe('docs/runbook.md#pinwatchmemlocklimitbelowexpected');
      expect(batch?.annotations.description).toContain('needs 16GiB charged');
    });
  });
});
