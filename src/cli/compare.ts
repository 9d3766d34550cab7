import { writeFile } from 'node:fs/promises';
import type { Command } from '@commander-js/extra-typings';
import { withComparableLost } from '../report/comparable-lost.ts';
import { captureMismatch, compareReports } from '../report/compare.ts';
import { renderComparisonHtml } from '../report/compare-html.ts';
import { describeVerdict, formatComparison } from '../report/compare-text.ts';
import { readReport } from '../report/io.ts';
import { evaluateRules, type FailRule, parseRules, RuleError } from '../report/rules.ts';
import type { RunReport } from '../report/schema.ts';
import { ReportError } from '../report/validate.ts';
import { colourWanted } from '../tui/terminal.ts';
import { errorCode } from '../util/error-code.ts';
import { overwrittenInput } from '../util/same-file.ts';
import { UserError } from '../util/user-error.ts';

/** Registers `reprise compare <baseline.json> <candidate.json>`. */
export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description('Compare two run reports of the same capture; exit 1 when a --fail-on rule is crossed.')
    .argument('<baseline>', 'run report of the reference run (reprise replay --report)')
    .argument('<candidate>', 'run report of the run under test')
    .option(
      '--fail-on <rules>',
      'comma-separated rules that fail the comparison, e.g. p99=+10%,p50=+5ms,errors=+0,throughput=-5% ' +
        '(metrics: p50 p90 p99 p99.9 max mean [ttlb.<p> for last byte], errors, lost, http4xx, http5xx, throughput, lag.p50 lag.p99 lag.max); ' +
        'repeatable, every rule counts',
      (rules: string, earlier: string[]) => [...earlier, rules],
      [] as string[],
    )
    .option('--json', 'print the comparison as JSON instead of a table')
    .option('--html <file>', 'also write the comparison as a self-contained HTML page')
    .action(async (baselinePath, candidatePath, options) => {
      const rules = options.failOn.flatMap(parseRulesOption);
      if (options.html !== undefined) {
        const report = await overwrittenInput(options.html, [baselinePath, candidatePath]);
        if (report !== undefined)
          throw new UserError(`--html ${options.html}: is the report ${report}, which it would overwrite`);
      }
      const [baseline, candidate] = withComparableLost(
        await readReportOption(baselinePath),
        await readReportOption(candidatePath),
      );
      const mismatch = captureMismatch(baseline, candidate, [baselinePath, candidatePath]);
      if (mismatch) throw new UserError(mismatch);

      const comparison = compareReports(baseline, candidate, [baselinePath, candidatePath]);
      const verdicts = evaluateRules(rules, baseline, candidate);
      if (options.json) {
        const passed = verdicts.every((verdict) => !verdict.crossed);
        process.stdout.write(`${JSON.stringify({ ...comparison, rules: verdicts, passed }, null, 2)}\n`);
        for (const warning of comparison.warnings) process.stderr.write(`reprise: warning: ${warning}\n`);
      } else {
        process.stdout.write(formatComparison(comparison, verdicts, { colour: colourWanted() }));
      }
      // Said before the page is written: a page that cannot be written does not hide a verdict.
      const crossed = verdicts.filter((verdict) => verdict.crossed);
      for (const verdict of crossed)
        process.stderr.write(`reprise: rule crossed: ${describeVerdict(verdict)}\n`);
      if (crossed.length > 0) process.exitCode = 1;
      if (options.html !== undefined)
        await writeHtml(options.html, renderComparisonHtml(comparison, verdicts));
    });
}

function parseRulesOption(text: string): FailRule[] {
  try {
    return parseRules(text);
  } catch (err) {
    if (err instanceof RuleError) throw new UserError(err.message);
    throw err;
  }
}

async function readReportOption(path: string): Promise<RunReport> {
  try {
    return await readReport(path);
  } catch (err) {
    if (err instanceof ReportError) throw new UserError(err.message);
    throw err;
  }
}

async function writeHtml(path: string, html: string): Promise<void> {
  try {
    await writeFile(path, html);
  } catch (err) {
    throw new UserError(`--html ${path}: cannot write (${errorCode(err)})`);
  }
}
