/**
 * The built CLI as operators and service managers meet it: Nagios exit codes
 * and lines from `check`, `snapshot` refusing a non-procfs, start-up errors
 * as one sentence, SIGHUP reloading the config. Spawns `node dist/cli/main.js`.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HostPaths } from '../collectors/host-paths.js';
import { writeDemoHost } from '../fixtures/demo-host.js';
import { createFixtureTree, writeFixtureHostFiles } from '../fixtures/fixture-tree.js';
import { freePort, requireBuiltCli, runCli, RunningCli } from '../test/cli-process.js';

let dir: string;
let demo: HostPaths;
let emptyHost: HostPaths;
const running: RunningCli[] = [];

const rootFlags = (paths: HostPaths) => ['--path.procfs', paths.procfs, '--path.sysfs', paths.sysfs, '--path.devfs', paths.devfs];
const quiet = ['--no-collector.ebpf', '--no-collector.kernel_log'];
// Each test starts Node and pinwatch (0.5 s idle, 5-15 s measured on this loaded 2-core machine).
const slow = { timeout: 60_000 };

beforeAll(() => {
  requireBuiltCli();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pinwatch-cli-'));
  demo = writeDemoHost(path.join(dir, 'demo'));
  emptyHost = createFixtureTree(path.join(dir, 'no-vms'));
  writeFixtureHostFiles(emptyHost, {
    bootId: '3f1f0c55-8b1e-4d7a-9d51-6a2b1c0e9f10',
    uptimeSeconds: 1000,
    kernelRelease: '6.1.0-test',
    memTotalKib: 64 * 1024 * 1024,
    memAvailableKib: 32 * 1024 * 1024,
    hugePagesTotal: 0,
    hugePageSizeKib: 2048,
  });
});

afterEach(async () => {
  for (const cli of running.splice(0)) await cli.stop('SIGKILL');
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function scratch(name: string): string {
  const made = path.join(dir, name);
  fs.mkdirSync(made, { recursive: true });
  return made;
}

describe('pinwatch check: Nagios plugin codes and line', slow, () => {
  it('an empty directory as --path.procfs is UNKNOWN (3), naming the file that is missing', async () => {
    const empty = scratch('empty');
    const result = await runCli(['check', '--path.procfs', empty]);
    expect(result).toMatchObject({ code: 3, stdout: `PINWATCH UNKNOWN - ${empty} is not a procfs: ${empty}/uptime: does not exist\n` });
  });

  it('a random tree with an unparsable uptime is UNKNOWN (3), quoting the line', async () => {
    const tree = scratch('random');
    fs.mkdirSync(path.join(tree, '1234'));
    fs.writeFileSync(path.join(tree, 'uptime'), 'hello world\n');
    const result = await runCli(['check', '--path.procfs', tree]);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe(`PINWATCH UNKNOWN - ${tree} is not a procfs: ${tree}/uptime: expected "<seconds> <idle seconds>": "hello world"\n`);
  });

  it('a procfs that does not exist is UNKNOWN (3)', async () => {
    const missing = path.join(dir, 'no-such-dir');
    const result = await runCli(['check', '--path.procfs', missing]);
    expect(result).toMatchObject({ code: 3, stdout: `PINWATCH UNKNOWN - cannot read procfs ${missing}: does not exist\n` });
  });

  it('a bad config is UNKNOWN (3), not CRITICAL, with the key and its source', async () => {
    const result = await runCli(['check', ...rootFlags(demo), '--collection.interval', '15x']);
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/^PINWATCH UNKNOWN - invalid config: collection\.interval \(from flag --collection\.interval\): .*15x.*\n$/);
  });

  it('an unknown flag is UNKNOWN (3)', async () => {
    const result = await runCli(['check', '--no-such-flag']);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe("PINWATCH UNKNOWN - unknown option '--no-such-flag'\n");
  });

  it('a host without VMs is OK (0) with perfdata', async () => {
    const result = await runCli(['check', ...rootFlags(emptyHost), ...quiet]);
    expect(result).toMatchObject({
      code: 0,
      stdout:
        'PINWATCH OK - 0 VFIO users, no warning or critical finding | vfio_users=0;;;0 locked=0B;;;0 expected=0B;;;0 ' +
        'critical=0;;;0 warning=0;;;0 collector_errors=0;;;0 failed_collectors=0;;;0\n',
    });
  });

  it('the demo host is CRITICAL (2), critical findings first, perfdata after the bar', async () => {
    const result = await runCli(['check', ...rootFlags(demo), ...quiet]);
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/^PINWATCH CRITICAL - 12 VFIO users; batch-05 memlock-limit-below-expected, .* \| vfio_users=12;;;0 locked=\d+B;;;0 /);
    expect(result.stdout.split('\n')).toHaveLength(2); // one line
  });
});

describe('pinwatch snapshot', slow, () => {
  it('refuses a directory that is not a procfs: exit 1, the reason on stderr, nothing on stdout', async () => {
    const empty = scratch('empty-snapshot');
    const result = await runCli(['snapshot', '--path.procfs', empty]);
    expect(result).toMatchObject({ code: 1, stdout: '', stderr: `pinwatch: ${empty} is not a procfs: ${empty}/uptime: does not exist\n` });
  });
});

describe('pinwatch serve: start-up errors are one sentence, no stack', slow, () => {
  it('a port in use: exit 1, "<address> is already in use"', async () => {
    const port = await freePort();
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const db = path.join(scratch('port-in-use'), 'pinwatch.db');
      const result = await runCli(['serve', ...rootFlags(emptyHost), ...quiet, '--log.level', 'error', '--web.listen-address', `127.0.0.1:${port}`, '--db.path', db]);
      expect(result).toMatchObject({ code: 1, stdout: '', stderr: `pinwatch: 127.0.0.1:${port} is already in use\n` });
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('a port out of range is a config error: exit 2, naming the flag', async () => {
    const result = await runCli(['serve', ...rootFlags(emptyHost), '--web.listen-address', ':99999']);
    expect(result).toMatchObject({
      code: 2,
      stderr: 'pinwatch: invalid config: web.listenAddress (from flag --web.listen-address): port 99999 is out of range: must be from 1 to 65535\n',
    });
  });

  it('a --db.path whose directory does not exist: exit 1, naming the directory, which is not created', async () => {
    const parent = path.join(dir, 'typo-dir');
    const db = path.join(parent, 'pinwatch.db');
    const result = await runCli(['serve', ...rootFlags(emptyHost), ...quiet, '--web.listen-address', `127.0.0.1:${await freePort()}`, '--db.path', db]);
    expect(result).toMatchObject({ code: 1, stdout: '', stderr: `pinwatch: cannot open the database ${db}: the directory ${parent} does not exist\n` });
    expect(fs.existsSync(parent)).toBe(false);
  });

  it('a --db.path that is not a database: exit 1, naming the file', async () => {
    const db = path.join(scratch('not-a-db'), 'pinwatch.db');
    fs.writeFileSync(db, 'this is a text file, not SQLite\n'.repeat(200));
    const result = await runCli(['serve', ...rootFlags(emptyHost), ...quiet, '--web.listen-address', `127.0.0.1:${await freePort()}`, '--db.path', db]);
    expect(result).toMatchObject({ code: 1, stdout: '', stderr: `pinwatch: cannot open the database ${db}: the file is not an SQLite database\n` });
  });
});

describe('pinwatch serve: SIGHUP reloads the config file', slow, () => {
  it('applies live keys, names those that need a restart, keeps the old config when the new one is bad', async () => {
    const work = scratch('sighup');
    const configFile = path.join(work, 'pinwatch.yaml');
    const port = await freePort();
    fs.writeFileSync(configFile, 'collection:\n  interval: 200ms\nlog:\n  level: info\n');
    const cli = new RunningCli([
      'serve',
      '--config',
      configFile,
      ...rootFlags(demo),
      ...quiet,
      '--web.listen-address',
      `127.0.0.1:${port}`,
      '--db.path',
      path.join(work, 'pinwatch.db'),
    ]);
    running.push(cli);
    await cli.waitForLine(/"msg":"pinwatch serving"/);
    const findings = async () => (await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).split('\n').filter((l) => l.startsWith('pinwatch_vm_finding{'));
    // web-01 has 1 GiB of RLIMIT_MEMLOCK headroom: no warning at the default 256 MiB.
    expect((await findings()).filter((l) => l.includes('vm="web-01",kind="memlock-headroom-low"'))).toEqual([]);

    fs.writeFileSync(configFile, 'collection:\n  interval: 300ms\nanalysis:\n  headroomWarning: 2GiB\nlog:\n  level: debug\ndb:\n  keepAlive: 1m\n');
    let mark = cli.lines.length;
    cli.child.kill('SIGHUP');
    const applied = await cli.waitForLine(/config reloaded: /, 10_000, mark);
    expect(JSON.parse(applied)).toMatchObject({
      level: 30,
      changed: ['collection.interval: 200ms -> 300ms', 'analysis.headroomWarning: 268435456 bytes -> 2147483648 bytes', 'log.level: "info" -> "debug"'],
    });
    const pending = await cli.waitForLine(/take effect only after a restart/, 10_000, mark);
    expect(JSON.parse(pending)).toMatchObject({ level: 40, needRestart: ['db.keepAlive: 1800000ms -> 60000ms'] });
    // The new threshold is used from the next cycle on.
    const deadline = Date.now() + 10_000;
    let lowHeadroom: string[] = [];
    while (Date.now() < deadline && lowHeadroom.length === 0) {
      lowHeadroom = (await findings()).filter((l) => l.includes('vm="web-01",kind="memlock-headroom-low"'));
      if (lowHeadroom.length === 0) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(lowHeadroom).toEqual(['pinwatch_vm_finding{vm="web-01",kind="memlock-headroom-low",severity="warning"} 1']);

    fs.writeFileSync(configFile, 'collection:\n  interval: 15x\n');
    mark = cli.lines.length;
    cli.child.kill('SIGHUP');
    const failed = await cli.waitForLine(/config reload failed/, 10_000, mark);
    expect(JSON.parse(failed)).toMatchObject({
      level: 50,
      msg: expect.stringMatching(
        new RegExp(`^config reload failed, the old config stays in effect: invalid config: collection\\.interval \\(from config file ${configFile.replace(/[.]/g, '\\.')}\\): `),
      ),
    });
    expect(cli.alive).toBe(true);
    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(200);
    expect(await cli.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });
});

describe('pinwatch demo leaves nothing behind', slow, () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('%s removes the demo host tree and database', async (signal) => {
    const port = await freePort();
    const cli = new RunningCli(['demo', '--web.listen-address', `127.0.0.1:${port}`]);
    running.push(cli);
    const serving = JSON.parse(await cli.waitForLine(/"msg":"pinwatch serving"/)) as { demoHost: string };
    expect(fs.existsSync(path.join(serving.demoHost, 'pinwatch-demo.db'))).toBe(true);
    expect(await cli.stop(signal)).toEqual({ code: 0, signal: null });
    expect(fs.existsSync(serving.demoHost)).toBe(false);
  });

  it('a start-up error (port in use) removes it too', async () => {
    const port = await freePort();
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const before = fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith('pinwatch-demo-'));
      const result = await runCli(['demo', '--web.listen-address', `127.0.0.1:${port}`]);
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n').at(-1)).toBe(`pinwatch: 127.0.0.1:${port} is already in use`);
      expect(fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith('pinwatch-demo-'))).toEqual(before);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

