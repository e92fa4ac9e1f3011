import type { AttackResult, SkippedAttack, TargetAnswer } from './attack-types.js';

/**
 * The result of one run. `passed`: every forged token refused and no attacker URL fetched.
 * `vulnerable`: at least one forged token accepted or one attacker URL fetched.
 * `untested`: the run could not judge the target (see `problem`).
 */
export interface AttackReport {
  readonly target: { readonly url: string; readonly method: string };
  /** The valid token described (algorithm, kid, length), never its text. */
  readonly validToken: string;
  readonly baseline: TargetAnswer | null;
  readonly refusal: { readonly noToken: TargetAnswer; readonly garbage: TargetAnswer } | null;
  readonly results: readonly AttackResult[];
  readonly skipped: readonly SkippedAttack[];
  /** The valid token sent again after the attacks. */
  readonly finalCheck: TargetAnswer | null;
  readonly verdict: 'passed' | 'vulnerable' | 'untested';
  readonly problem?: string;
}

/** Exit status per verdict; documented in the command's help and docs/attack.md. */
const EXIT_CODES: Readonly<Record<AttackReport['verdict'], number>> = {
  passed: 0,
  vulnerable: 1,
  untested: 2,
};

/**
 * The exit status of a run: 0 passed, 1 vulnerable, 2 untested.
 *
 * @example
 * process.exitCode = exitCodeOfReport(report);
 */
export function exitCodeOfReport(report: AttackReport): number {
  return EXIT_CODES[report.verdict];
}

/** Counts for the summary line and the JSON report. */
export function summarizeReport(report: AttackReport): Record<string, number> {
  const attacks = report.results.filter((result) => result.isControl !== true);
  const count = (outcome: AttackResult['outcome']): number =>
    attacks.filter((result) => result.outcome === outcome).length;
  return {
    attacks: attacks.length,
    accepted: count('accepted'),
    fetched: count('fetched'),
    refused: count('refused'),
    noAnswer: count('no-answer'),
    skipped: report.skipped.length,
    serverErrors: attacks.filter(
      (result) => result.answer.kind === 'status' && result.answer.status >= 500,
    ).length,
  };
}

/**
 * The report as JSON: the report itself plus its summary and exit code.
 *
 * @example
 * io.stdout(formatReportJson(report));
 */
export function formatReportJson(report: AttackReport): string {
  return `${JSON.stringify({ ...report, summary: summarizeReport(report), exitCode: exitCodeOfReport(report) }, null, 2)}\n`;
}

const LABELS: Readonly<Record<AttackResult['outcome'], string>> = {
  accepted: 'ACCEPTED',
  fetched: 'FETCHED',
  refused: 'refused',
  'no-answer': 'NO ANSWER',
};

/** How an answer reads in a line: `401 invalid_token`, or why there was none. */
export function describeAnswer(answer: TargetAnswer | null): string {
  if (answer === null) return '-';
  if (answer.kind === 'no-answer') return answer.reason;
  return answer.error === undefined ? String(answer.status) : `${answer.status} ${answer.error}`;
}

/**
 * The report as text: the baseline, one line per attack (outcome, id, what was sent, what
 * came back), the skipped groups and a summary.
 *
 * @example
 * io.stdout(formatReportText(report));
 */
export function formatReportText(report: AttackReport): string {
  const lines = [
    `target    ${report.target.method} ${report.target.url}`,
    `baseline  valid token (${report.validToken}) -> ${describeAnswer(report.baseline)}`,
  ];
  if (report.refusal !== null) {
    lines.push(
      `refusal   no token -> ${describeAnswer(report.refusal.noToken)}; garbage token -> ${describeAnswer(report.refusal.garbage)}`,
    );
  }
  if (report.results.length > 0) lines.push('');
  const width = Math.max(0, ...report.results.map((result) => result.id.length));
  for (const result of report.results) {
    const label =
      result.isControl === true
        ? result.outcome === 'accepted'
          ? 'control'
          : 'CONTROL?'
        : LABELS[result.outcome];
    let line = `${label.padEnd(9)} ${result.id.padEnd(width)}  ${result.sent} -> ${describeAnswer(result.answer)}`;
    if (result.fetched.length > 0) line += `; the target FETCHED the attacker URL`;
    if (result.note !== undefined) line += ` (${result.note})`;
    lines.push(line);
  }
  for (const skipped of report.skipped) {
    lines.push(`${'skipped'.padEnd(9)} ${skipped.id.padEnd(width)}  ${skipped.reason}`);
  }
  if (report.finalCheck !== null) {
    lines.push('', `final     valid token again -> ${describeAnswer(report.finalCheck)}`);
  }
  const s = summarizeReport(report);
  lines.push(
    '',
    `summary   ${s['attacks']} attacks: ${s['accepted']} accepted, ${s['fetched']} fetched an attacker URL, ` +
      `${s['refused']} refused, ${s['noAnswer']} without answer, ${s['skipped']} groups skipped`,
  );
  const verdicts: Readonly<Record<AttackReport['verdict'], string>> = {
    passed: 'PASSED: every forged token was refused',
    vulnerable: 'VULNERABLE: the target accepted a forged token or fetched an attacker URL',
    untested: `NOT TESTED: ${report.problem ?? 'see above'}`,
  };
  lines.push(`verdict   ${verdicts[report.verdict]}`);
  return `${lines.map(escapeControls).join('\n')}\n`;
}

/** The target's words reach the terminal: no control characters from it. */
function escapeControls(line: string): string {
  let safe = '';
  for (const c of line) {
    const code = c.charCodeAt(0);
    safe += code < 0x20 || (code >= 0x7f && code <= 0x9f) ? '?' : c;
  }
  return safe;
}
