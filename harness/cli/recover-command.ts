/** `hil recover`: look at the QSPI chip without resetting it, bring it back, say what was found and done. */
import { ExitCode } from '../exit-codes.js';
import { formatStatus } from '../flash/status-registers.js';
import type { RecoveryReport } from '../flash/recovery.js';
import { COMMON_USAGE, parseCommandArgs } from './cli-args.js';
import { chooseBoard, withCliSession } from './cli-session.js';
import type { Command } from './command.js';
import { CliOutput } from './output.js';

const usage = `usage: hil recover

Diagnoses and recovers the W25Q512JV a run left in a bad state, without a reset (a reset would
hide the evidence): halts the core, sets up QUADSPI if needed, then with 'stmqspi cmd' releases
power-down (ABh), resumes a suspended erase (7Ah), waits for or resets a busy chip (66h+99h),
clears WEL (04h) and leaves 4-byte mode (E9h). Protection bits (BP/TB/CMP, WPS) are never cleared
silently: they are reported with the protected sectors.
${COMMON_USAGE}
Exit code: 0 the chip is healthy (now or already), 1 protection bits keep sectors read-only
(listed), 2 no verdict (the chip could not be brought back, OpenOCD/board trouble).`;

export function recoverExitCode(report: Pick<RecoveryReport, 'protection'>): number {
  return report.protection.protected ? ExitCode.VerdictFailed : ExitCode.Passed;
}

export const recoverCommand: Command = {
  summary: 'diagnose and recover the QSPI chip (power-down, suspend, busy, WEL, 4-byte mode; protection reported)',
  usage,
  async run(args) {
    const { common } = parseCommandArgs('recover', args, {});
    if (common.help) {
      console.log(usage);
      return ExitCode.Passed;
    }
    const out = new CliOutput(common.json);
    const { board } = chooseBoard(common);
    // No health check at open: it would reset the chip (reset-init) before we look at it.
    const report = await withCliSession(board, common, { uart: false, healthCheck: false }, (session) => session.flash.recover());
    const exitCode = recoverExitCode(report);
    out.line(`board ${board.id}: JEDEC id before ${report.jedecIdBefore}, after ${report.jedecIdAfter}`);
    out.line(`status before: ${formatStatus(report.before)}`);
    if (report.wasHealthy) out.line('found: nothing wrong');
    for (const f of report.found) out.line(`found: ${f}`);
    for (const a of report.actions) out.line(`did:   ${a.command}  (${a.why})`);
    out.line(`status after:  ${formatStatus(report.after)}`);
    out.line(
      report.protection.protected
        ? `PROTECTED: ${report.protection.explanation}; sectors ${report.protection.sectors.map((s) => `${s.first}-${s.last}`).join(', ') || '(individual locks)'} stay read-only until someone clears the bits on purpose`
        : `protection: ${report.protection.explanation}`,
    );
    out.document({ command: 'recover', board: board.id, ...report, exitCode });
    return exitCode;
  },
};
