/**
 * Finds the vector selectors (`metric{matchers}`) in a PromQL expression or a
 * Grafana label_values() query, so tests can check every metric a rule or
 * panel reads against docs/metrics.md and the end-to-end test can query each
 * selector on its own. A scanner, not a parser: it knows where PromQL puts
 * names that are not metrics (functions, aggregations, keywords, label lists
 * after by/without/on/ignoring/group_left/group_right, strings, durations).
 */

export interface VectorSelector {
  metric: string;
  /** The selector as written: `metric{matchers}` or a bare `metric`. */
  text: string;
}

const KEYWORDS = new Set([
  'and', 'or', 'unless', 'bool', 'offset', 'atan2',
  'by', 'without', 'on', 'ignoring', 'group_left', 'group_right',
  'sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile',
  'inf', 'nan',
]);
/** Keywords whose parenthesised list holds label names, not expressions. */
const LABEL_LIST_KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);

const IDENTIFIER_START = /[A-Za-z_:]/;
const IDENTIFIER_PART = /[A-Za-z0-9_:]/;

export function vectorSelectorsIn(expr: string): VectorSelector[] {
  const selectors: VectorSelector[] = [];
  let i = 0;
  const skipSpaces = (from: number) => {
    let j = from;
    while (j < expr.length && /\s/.test(expr[j]!)) j++;
    return j;
  };
  /** Index just past the bracket that closes the one at `open`, skipping quoted strings. */
  const closing = (open: number, openChar: string, closeChar: string) => {
    let depth = 0;
    for (let j = open; j < expr.length; j++) {
      const c = expr[j]!;
      if (c === '"' || c === "'" || c === '`') {
        j = endOfString(expr, j) - 1;
      } else if (c === openChar) {
        depth++;
      } else if (c === closeChar) {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    throw new Error(`unbalanced "${openChar}" at offset ${open} in PromQL: ${expr}`);
  };

  while (i < expr.length) {
    const c = expr[i]!;
    if (c === '"' || c === "'" || c === '`') {
      i = endOfString(expr, i);
    } else if (c === '[') {
      i = closing(i, '[', ']'); // range or subquery duration
    } else if (c === '{') {
      i = closing(i, '{', '}'); // matchers of a selector without a name: none here
    } else if (/[0-9.]/.test(c)) {
      while (i < expr.length && /[A-Za-z0-9_.+-]/.test(expr[i]!) && !(/[+-]/.test(expr[i]!) && !/[eE]/.test(expr[i - 1]!))) i++;
    } else if (IDENTIFIER_START.test(c)) {
      const start = i;
      while (i < expr.length && IDENTIFIER_PART.test(expr[i]!)) i++;
      const name = expr.slice(start, i);
      const next = skipSpaces(i);
      if (LABEL_LIST_KEYWORDS.has(name) && expr[next] === '(') {
        i = closing(next, '(', ')');
      } else if (KEYWORDS.has(name) || expr[next] === '(') {
        // a keyword, an aggregation or a function call: its arguments are scanned in turn
      } else if (expr[next] === '{') {
        const end = closing(next, '{', '}');
        selectors.push({ metric: name, text: expr.slice(start, end) });
        i = end;
      } else {
        selectors.push({ metric: name, text: name });
      }
    } else {
      i++;
    }
  }
  return selectors;
}

export function metricNamesIn(expr: string): string[] {
  return [...new Set(vectorSelectorsIn(expr).map((selector) => selector.metric))];
}

function endOfString(expr: string, open: number): number {
  const quote = expr[open]!;
  for (let j = open + 1; j < expr.length; j++) {
    if (expr[j] === '\\' && quote !== '`') j++;
    else if (expr[j] === quote) return j + 1;
  }
  throw new Error(`unterminated string at offset ${open} in PromQL: ${expr}`);
}

/**
 * The series selector of a Grafana `label_values(<selector>, <label>)`
 * variable query: the part that is PromQL.
 */
export function labelValuesSelector(query: string): { selector: string; label: string } {
  const match = /^label_values\((.+),\s*([A-Za-z_][A-Za-z0-9_]*)\)$/.exec(query.trim());
  if (!match) throw new Error(`not a label_values(<selector>, <label>) query: "${query}"`);
  return { selector: match[1]!, label: match[2]! };
}
