// Preloaded (`node --require`) into a process whose peak RSS the scale benchmark measures: at exit,
// appends the process's peak resident set size (threads included), in KiB, to $BENCH_RSS_FILE.
//
// On Linux it reads VmHWM, the high-water mark of this process's own memory. Not
// `process.resourceUsage().maxRSS`: getrusage's figure survives execve, and a child is forked
// from its parent's memory, so it reports the parent's RSS at the fork whenever that was higher
// (the benchmark runner's, several hundred MB after the other benchmarks).
const { appendFileSync, readFileSync } = require('node:fs');

function peakKiB() {
  try {
    const hwm = /^VmHWM:\s*(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm) return Number(hwm[1]);
  } catch {
    // not Linux: getrusage's figure, which is this process's own when its parent is small
  }
  return process.resourceUsage().maxRSS;
}

process.on('exit', () => {
  if (process.env.BENCH_RSS_FILE) appendFileSync(process.env.BENCH_RSS_FILE, `${peakKiB()}\n`);
});
