/**
 * QEMU option arguments, in the two syntaxes libvirt passes:
 * - QemuOpts / keyval: `driver,key=value,key=value` where `,,` is a literal
 *   comma inside a value (util/qemu-option.c get_opt_value()), and a first
 *   element without `=` is the option's implied key (`-device vfio-pci,...`
 *   -> driver, `-name web-01` -> guest, `-m 4096` -> size);
 * - JSON objects (`-device '{"driver":"vfio-pci",...}'`, `-object
 *   '{"qom-type":...}'`), which libvirt 7.x+ uses for -device/-object when
 *   QEMU supports it (qemu_opts_from_qdict path).
 * Both become a Map of string values; JSON numbers and booleans are
 * stringified so one set of readers serves both.
 */

export type QemuOptionValues = Map<string, string>;

/** Split on single commas, turning `,,` into a literal comma. */
function splitQemuOptionElements(text: string): string[] {
  const elements: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === ',') {
      if (text[i + 1] === ',') {
        current += ',';
        i++;
        continue;
      }
      elements.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  elements.push(current);
  return elements;
}

function parseJsonOptionObject(text: string): QemuOptionValues {
  const parsed: unknown = JSON.parse(text);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error('expected a JSON object');
  }
  const values: QemuOptionValues = new Map();
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      values.set(key, String(value));
    }
    // Nested objects/arrays (e.g. host-nodes lists) carry nothing pinwatch reads.
  }
  return values;
}

/**
 * Parse one option argument. `impliedKey` names the key a leading bare value
 * stands for. Throws (with the reason) on JSON that does not parse; the
 * caller records the problem and skips the option.
 */
export function parseQemuOptionList(text: string, impliedKey: string): QemuOptionValues {
  if (text.trimStart().startsWith('{')) return parseJsonOptionObject(text);
  const values: QemuOptionValues = new Map();
  splitQemuOptionElements(text).forEach((element, index) => {
    if (element === '') return;
    const eq = element.indexOf('=');
    if (eq < 0) {
      // Only the first element may be the implied value; a later bare word is
      // a legacy boolean flag ("foo" = "foo=on").
      if (index === 0) values.set(impliedKey, element);
      else values.set(element, 'on');
      return;
    }
    values.set(element.slice(0, eq), element.slice(eq + 1));
  });
  return values;
}
