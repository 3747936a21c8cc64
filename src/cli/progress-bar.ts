import cliProgress from 'cli-progress';

export interface ProgressBar {
  update(done: number): void;
  stop(): void;
}

/**
 * A progress bar on standard error for long work, shown only on a terminal so pipes and logs
 * stay clean. Returns undefined when there is nothing to show.
 */
export function progressBar(total: number, label: string): ProgressBar | undefined {
  if (!process.stderr.isTTY || total < 2) return undefined;
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {value}/{total} {percentage}% · {duration_formatted}`, stream: process.stderr, hideCursor: true, clearOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    update: (done) => bar.update(done),
    stop: () => bar.stop(),
  };
}
