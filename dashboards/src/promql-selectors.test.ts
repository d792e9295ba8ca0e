import { describe, expect, it } from 'vitest';
import { labelValuesSelector, metricNamesIn, vectorSelectorsIn } from './promql-selectors.js';

describe('metricNamesIn', () => {
  it.each([
    ['empty', '', []],
    ['bare metric', 'up', ['up']],
    ['selector with matchers naming keywords', 'up{job="by", instance=~"on|or"} == 0', ['up']],
    ['function and range', 'rate(pinwatch_x_total{job="pinwatch"}[5m])', ['pinwatch_x_total']],
    ['aggregation with by before the body', 'sum by (instance, vm) (pinwatch_a)', ['pinwatch_a']],
    ['aggregation with by after the body', 'min(pinwatch_a) without (vm)', ['pinwatch_a']],
    ['join with on and group_left', 'pinwatch_a - on(job, vm) group_left(uuid) pinwatch_b', ['pinwatch_a', 'pinwatch_b']],
    ['set operators and numbers with exponents and units', 'pinwatch_a > 1e3 and pinwatch_b offset 5m unless pinwatch_c < -0.1', ['pinwatch_a', 'pinwatch_b', 'pinwatch_c']],
    ['recording rule name with colons', 'sort(instance:pinwatch_h:min{job="p"})', ['instance:pinwatch_h:min']],
    ['vector() and time() are functions', 'time() - pinwatch_t or vector(0)', ['pinwatch_t']],
    ['strings with a closing brace inside matchers', 'pinwatch_a{reason="a}b"}', ['pinwatch_a']],
    ['duplicates counted once', 'pinwatch_a / pinwatch_a', ['pinwatch_a']],
  ])('%s', (_case, expr, expected) => {
    expect(metricNamesIn(expr)).toEqual(expected);
  });

  it('returns each selector with its matchers as written', () => {
    expect(vectorSelectorsIn('pinwatch_a{job="p", vm=~"$vm"} > on(vm) pinwatch_b {limit="soft"}')).toEqual([
      { metric: 'pinwatch_a', text: 'pinwatch_a{job="p", vm=~"$vm"}' },
      { metric: 'pinwatch_b', text: 'pinwatch_b {limit="soft"}' },
    ]);
  });

  it.each([
    ['unbalanced brace', 'pinwatch_a{job="p"', /unbalanced "\{"/],
    ['unterminated string', 'pinwatch_a{job="p}', /unterminated string/],
  ])('rejects %s, quoting the expression', (_case, expr, message) => {
    expect(() => vectorSelectorsIn(expr)).toThrow(message);
  });
});

describe('labelValuesSelector', () => {
  it('splits a Grafana label_values query into its selector and label', () => {
    expect(labelValuesSelector('label_values(pinwatch_vm_info{job="p", instance=~"$instance"}, vm)')).toEqual({
      selector: 'pinwatch_vm_info{job="p", instance=~"$instance"}',
      label: 'vm',
    });
  });

  it.each(['', 'label_values(vm)', 'query_result(up)'])('rejects %j, quoting it', (query) => {
    expect(() => labelValuesSelector(query)).toThrow(`"${query}"`);
  });
});
