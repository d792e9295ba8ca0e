import { describe, expect, it } from 'vitest';
import { parseMetricsReference } from './metrics-reference.js';

describe('parseMetricsReference', () => {
  it.each([
    ['empty', '', []],
    ['header and separator rows only', '| name | type | labels | help |\n|---|---|---|---|', []],
    ['a source-table row is not a metric', '| VmLck | `/proc/PID/status` |', []],
    ['a row without a type', '| pinwatch_x | | vm | help |', []],
    [
      'gauge and counter rows',
      '| pinwatch_vm_finding | gauge | vm, kind, severity | 1 for each finding. |\n| pinwatch_store_writes_total | counter | table | Rows. |',
      ['pinwatch_vm_finding', 'pinwatch_store_writes_total'],
    ],
  ])('%s', (_case, markdown, expected) => {
    expect([...parseMetricsReference(markdown)]).toEqual(expected);
  });
});
