// Prints the closing count line from vitest's JSON report and exits non-zero on any failure.
// A failed typecheck counts as one failure; a test run that produced no report counts as one.
import { existsSync, readFileSync } from 'node:fs';

const [file, typecheckFailed, testStatus] = process.argv.slice(2);
let passed = 0;
let failed = Number(typecheckFailed) || 0;
let skipped = 0;
if (existsSync(file)) {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed = report.numPassedTests;
  failed += report.numFailedTests;
  skipped = report.numPendingTests + (report.numTodoTests ?? 0);
  // A file that fails to load (syntax error, failing hook) has no failed tests but fails the run.
  const brokenFiles = report.testResults.filter((r) => r.status === 'failed' && r.assertionResults.every((a) => a.status !== 'failed'));
  failed += brokenFiles.length;
} else {
  failed += 1;
}
if (failed === 0 && Number(testStatus) !== 0) failed = 1;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed === 0 ? 0 : 1);
