// A stand-in for `bpftrace -f json` in supervisor tests. Mode from argv[2]:
//   ok       attach, print one interval and a tick, then on SIGTERM print the final dump and exit 0
//   crash    attach, print one interval, then exit 1 with an error on stderr
//   hang     print nothing and ignore SIGTERM (only SIGKILL ends it)
//   garbage  print garbage lines among valid ones, then behave like ok
//   noattach print a map line but never attached_probes, ignore nothing (exits on SIGTERM)
//   loaderror  what bpftrace 0.17 does on 5.10 with `curtask->mm`: the error on stderr,
//              exit 1, never attached
const mode = process.argv[2] ?? 'ok';
const out = (obj) => process.stdout.write(`${typeof obj === 'string' ? obj : JSON.stringify(obj)}\n`);
const attach = () => out({ type: 'attached_probes', data: { probes: 6 } });
const interval = (pages) => {
  out({ type: 'map', data: { '@pinned_pages': { 4242: pages } } });
  out({ type: 'map', data: { '@pin_calls': { 4242: 3 } } });
  out({ type: 'map', data: { '@comm': { 4242: 'qemu-system-x86' } } });
  out({ type: 'printf', data: 'pinwatch-tick\n' });
};
const keepAlive = setInterval(() => {}, 1000);

if (mode === 'hang') {
  process.on('SIGTERM', () => {});
} else if (mode === 'crash') {
  attach();
  interval(100);
  process.stderr.write('ERROR: kretprobe:vfio_pin_pages_remote: Could not attach\n');
  setTimeout(() => process.exit(1), 20);
} else if (mode === 'loaderror') {
  process.stderr.write("stdin:43:7-19: ERROR: Unknown struct/union: 'struct task_struct'\n");
  process.stderr.write('            if (curtask->mm == 0) {\n');
  process.stderr.write('               ~~~~~~~~~~~~\n');
  setTimeout(() => process.exit(1), 20);
} else if (mode === 'noattach') {
  out({ type: 'map', data: { '@pinned_pages': { 1: 1 } } });
  process.on('SIGTERM', () => process.exit(0));
} else {
  if (mode === 'garbage') {
    out('Attaching 6 probes...');
    out('{"type": "map", "data": {"@pinned_pa');
  }
  attach();
  if (mode === 'garbage') out('\u0007 not json at all');
  interval(100);
  process.on('SIGTERM', () => {
    // bpftrace's exit-time dump: every map once more, no tick.
    out({ type: 'map', data: { '@pinned_pages': { 4242: 250 } } });
    clearInterval(keepAlive);
    process.exit(0);
  });
}
