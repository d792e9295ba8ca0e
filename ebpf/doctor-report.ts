/**
 * `pinwatch doctor`: the eBPF plan for this host in words an operator can act on:
 * each precondition, each probe with the symbol chosen and why, and what is missing
 * with how to fix it.
 */
import type { PreconditionCheck } from './ebpf-preconditions.js';
import type { PlanGap, ProbePlan } from './probe-plan.js';
import { prepareBpftraceRun, type RunPreparation, type RunPreparationDeps } from './run-preparation.js';

function formatCheck(check: PreconditionCheck): string[] {
  const lines = [`  [${check.ok ? 'ok' : 'MISSING'}] ${check.name}: ${check.detail}`];
  if (check.fix) lines.push(`        fix: ${check.fix}`);
  return lines;
}

function formatGap(gap: PlanGap): string[] {
  return [`  [${gap.severity}] ${gap.what}`, `        fix: ${gap.fix}`];
}

export function formatPlan(plan: ProbePlan): string[] {
  const lines: string[] = [`Probe plan (${plan.attachPoints} attach points; releases attributed by ${plan.releaseAttribution === 'dma-task' ? 'dma->task (the mapping owner)' : 'the running context'}):`];
  for (const probe of plan.probes) {
    lines.push(`  ${probe.role}: ${probe.attach} ${probe.module ? `${probe.module}:` : ''}${probe.symbols.join(', ')}  (source function ${probe.function})`);
    lines.push(`        why: ${probe.why}`);
    lines.push(`        counts: ${probe.counts}`);
  }
  if (plan.probes.length === 0) lines.push('  (no probe resolved)');
  if (plan.gaps.length) {
    lines.push('Missing or limited:');
    for (const gap of plan.gaps) lines.push(...formatGap(gap));
  }
  return lines;
}

export function formatDoctorReport(preparation: RunPreparation): string {
  const lines: string[] = ['pinwatch doctor: eBPF', '', 'Preconditions:'];
  for (const check of preparation.checks) lines.push(...formatCheck(check));
  lines.push('');
  if (preparation.plan) lines.push(...formatPlan(preparation.plan), '');
  if (preparation.compile) {
    // The generated program compiled by this host's bpftrace (parser, type resolution,
    // code generation), not only the symbols: what would make bpftrace exit at start-up.
    lines.push(
      preparation.compile.ok
        ? `Compile check: ok (${preparation.compile.command})`
        : `Compile check: FAILED: ${preparation.compile.error} (${preparation.compile.command})`,
      '',
    );
  }
  if (preparation.ok) {
    lines.push('Verdict: eBPF can run: bpftrace will attach the plan above.');
  } else if (preparation.failure === 'compile') {
    lines.push(`Verdict: eBPF cannot run: ${preparation.reason}.`);
    lines.push(
      'pinwatch does not start bpftrace with this program (pinwatch_ebpf_info state="failed"); everything from /proc and /sys keeps working. Report the kernel and bpftrace version with this output.',
    );
  } else {
    lines.push(`Verdict: eBPF is off: ${preparation.reason}.`);
    lines.push(
      preparation.retryable
        ? 'pinwatch checks again every minute; everything from /proc and /sys works meanwhile.'
        : 'Everything from /proc and /sys keeps working; /metrics says why eBPF is off (pinwatch_ebpf_info).',
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Gather, plan and format: what the CLI's `pinwatch doctor` prints. */
export async function runEbpfDoctor(deps: RunPreparationDeps): Promise<string> {
  return formatDoctorReport(await prepareBpftraceRun(deps));
}
