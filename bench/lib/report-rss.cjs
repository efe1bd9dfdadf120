// Preloaded (`node --require`) into a process whose peak RSS the scale benchmark measures: at exit,
// appends the process's peak resident set size (threads included), in KiB, to $BENCH_RSS_FILE.
const { appendFileSync } = require('node:fs');
process.on('exit', () => {
  if (process.env.BENCH_RSS_FILE) appendFileSync(process.env.BENCH_RSS_FILE, `${process.resourceUsage().maxRSS}\n`);
});
