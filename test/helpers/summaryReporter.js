/* global process */
/**
 * Ends every jest run with one plain line, "N passed, N failed[, N skipped]", which CI reads to count the
 * tests that ran. Written at exit, so that it comes after jest's own summary.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `${results.numPassedTests} passed, ${results.numFailedTests} failed`;
    process.once('exit', () =>
      process.stdout.write(`${skipped > 0 ? `${line}, ${skipped} skipped` : line}\n`),
    );
  }
}

module.exports = SummaryReporter;
