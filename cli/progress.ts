// Progress on a TTY only (docs/spec.md "Operational conventions"); silent when piped.
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number): void;
  stop(done: number): void;
}

export function spinner(label: string, unit: string): Progress | undefined {
  if (!process.stderr.isTTY) return undefined;
  const bar = new cliProgress.SingleBar(
    { format: `${label} {value} ${unit} | {speed} ${unit}/s | {duration_formatted}`, stream: process.stderr, clearOnComplete: true, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  bar.start(0, 0, { speed: 0 });
  const speed = (done: number) => Math.round(done / Math.max((Date.now() - started) / 1000, 0.001));
  return {
    update: (done) => bar.update(done, { speed: speed(done) }),
    stop: (done) => {
      bar.update(done, { speed: speed(done) });
      bar.stop();
    },
  };
}
