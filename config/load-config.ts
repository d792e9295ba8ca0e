import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { configSchema, type PinwatchConfig } from './config-schema.js';
import { SETTINGS, type Setting } from './settings.js';

/** A configuration that cannot be used: names the key, where it came from, and why. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface ConfigSources {
  /** Path of a YAML (or JSON) config file, or null for none. */
  configFile: string | null;
  /** The process environment: only PINWATCH_* variables are read. */
  env: Readonly<Record<string, string | undefined>>;
  /** Flag values by flag name ('web.listen-address' -> '127.0.0.1:9477'), as the CLI parsed them. */
  flags: Readonly<Record<string, string | boolean | undefined>>;
  readFile?: (path: string) => string;
}

type Raw = Record<string, unknown>;

/**
 * defaults < config file < PINWATCH_* environment < flags, then one zod
 * validation. Every error names the key's path and the source that set it.
 */
export function loadConfig(sources: ConfigSources): PinwatchConfig {
  const raw: Raw = {};
  const origin = new Map<string, string>();
  if (sources.configFile) {
    const fromFile = readConfigFile(sources.configFile, sources.readFile ?? ((p) => readFileSync(p, 'utf8')));
    Object.assign(raw, fromFile);
    markOrigins(fromFile, [], `config file ${sources.configFile}`, origin);
  }
  const knownEnv = new Set(SETTINGS.map((s) => s.env));
  knownEnv.add('PINWATCH_CONFIG');
  for (const [name, value] of Object.entries(sources.env)) {
    if (!name.startsWith('PINWATCH_') || value === undefined) continue;
    if (!knownEnv.has(name)) {
      throw new ConfigError(`invalid config: unknown environment variable ${name} (known: ${[...knownEnv].sort().join(', ')})`);
    }
  }
  for (const s of SETTINGS) {
    const value = sources.env[s.env];
    if (value !== undefined) setFromText(raw, s, value, `environment ${s.env}`, origin);
  }
  for (const s of SETTINGS) {
    const value = sources.flags[s.flag];
    if (value === undefined) continue;
    if (typeof value === 'boolean') setAt(raw, s.path, value, `flag --${s.flag}`, origin);
    else setFromText(raw, s, value, `flag --${s.flag}`, origin);
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const key = issue.path.join('.');
      const from = origin.get(key) ?? origin.get(issue.path.slice(0, -1).join('.'));
      const place = key === '' ? 'top level' : key;
      const what = issue.code === 'unrecognized_keys' ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}` : issue.message;
      return `${place}${from ? ` (from ${from})` : ''}: ${what}`;
    });
    throw new ConfigError(`invalid config: ${problems.join('; ')}`);
  }
  return result.data;
}

function readConfigFile(path: string, readFile: (path: string) => string): Raw {
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    throw new ConfigError(`invalid config: cannot read config file ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    throw new ConfigError(`invalid config: config file ${path} is not valid YAML: ${(error as Error).message}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`invalid config: config file ${path} must hold a mapping of settings at the top level`);
  }
  return parsed as Raw;
}

function setFromText(raw: Raw, s: Setting, text: string, from: string, origin: Map<string, string>): void {
  let value: unknown = text;
  if (s.kind === 'boolean') {
    if (!/^(true|false|1|0)$/i.test(text)) {
      throw new ConfigError(`invalid config: ${s.path.join('.')} (from ${from}): "${text}" is not true or false`);
    }
    value = /^(true|1)$/i.test(text);
  } else if (s.kind === 'number') {
    value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value)) {
      throw new ConfigError(`invalid config: ${s.path.join('.')} (from ${from}): "${text}" is not a number`);
    }
  }
  setAt(raw, s.path, value, from, origin);
}

function setAt(raw: Raw, path: readonly string[], value: unknown, from: string, origin: Map<string, string>): void {
  let node = raw;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Raw;
  }
  node[path[path.length - 1] as string] = value;
  origin.set(path.join('.'), from);
}

function markOrigins(value: unknown, path: string[], from: string, origin: Map<string, string>): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    origin.set(path.join('.'), from);
    return;
  }
  if (path.length > 0) origin.set(path.join('.'), from);
  for (const [key, child] of Object.entries(value)) markOrigins(child, [...path, key], from, origin);
}
