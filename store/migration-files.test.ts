import { describe, expect, it } from 'vitest';
import { MigrationFileError, orderMigrationFileNames } from './migration-files.js';

describe('orderMigrationFileNames', () => {
  it.each([
    { case: 'empty directory', names: [], versions: [] },
    { case: 'one migration', names: ['0001_initial.sql'], versions: [1] },
    { case: 'listed out of order', names: ['0002_ebpf_state.sql', '0001_initial.sql'], versions: [1, 2] },
    { case: 'README and editor files ignored', names: ['README.md', '0001_initial.sql', '.0001_initial.sql.swp'], versions: [1] },
  ])('valid: $case -> versions $versions', ({ names, versions }) => {
    expect(orderMigrationFileNames('/m', names).map((m) => m.version)).toEqual(versions);
  });

  it('keeps the name after the number', () => {
    expect(orderMigrationFileNames('/m', ['0001_initial.sql'])).toEqual([{ version: 1, name: 'initial', fileName: '0001_initial.sql' }]);
  });

  it.each([
    { case: 'no number', names: ['initial.sql'], error: '"initial.sql" is not named NNNN_lowercase_name.sql' },
    { case: 'short number', names: ['001_initial.sql'], error: '"001_initial.sql" is not named' },
    { case: 'upper case name', names: ['0001_Initial.sql'], error: '"0001_Initial.sql" is not named' },
    { case: 'no name', names: ['0001.sql'], error: '"0001.sql" is not named' },
    { case: 'starts at 0002', names: ['0002_ebpf_state.sql'], error: 'expected version 0001 next, found "0002_ebpf_state.sql"' },
    { case: 'starts at 0000', names: ['0000_zero.sql', '0001_initial.sql'], error: 'expected version 0001 next, found "0000_zero.sql"' },
    { case: 'gap', names: ['0001_initial.sql', '0003_later.sql'], error: 'expected version 0002 next, found "0003_later.sql"' },
    {
      case: 'duplicate number',
      names: ['0001_initial.sql', '0002_ebpf_state.sql', '0002_other.sql'],
      error: '"0002_ebpf_state.sql" and "0002_other.sql" share version 2',
    },
  ])('invalid: $case', ({ names, error }) => {
    expect(() => orderMigrationFileNames('/srv/migrations', names)).toThrow(MigrationFileError);
    expect(() => orderMigrationFileNames('/srv/migrations', names)).toThrow(`migrations in /srv/migrations: ${error}`);
  });
});
