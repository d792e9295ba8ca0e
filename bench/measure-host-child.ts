/**
 * Child entry of the bench: `node --expose-gc measure-host-child.js REQUEST.json`.
 * Measures one size (measure-host-size.ts) in a fresh process and prints the
 * result as one JSON line on stdout; nothing else may write to stdout.
 */
import fs from 'node:fs';
import { measureHostSize, type MeasureHostSizeRequest } from './measure-host-size.js';

const requestFile = process.argv[2];
if (!requestFile) {
  process.stderr.write('usage: measure-host-child.js REQUEST.json\n');
  process.exit(2);
}
const request = JSON.parse(fs.readFileSync(requestFile, 'utf8')) as MeasureHostSizeRequest;
const result = await measureHostSize(request);
process.stdout.write(`${JSON.stringify(result)}\n`);
