// Preloaded by bench-synth: reports this process's peak RSS on exit.
process.on("exit", () => process.stderr.write(`\nBENCH_MAX_RSS_KB=${process.resourceUsage().maxRSS}\n`));
