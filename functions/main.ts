// CLI entry: `node dist/main.js [flags]` in the image, `npm start -- [flags]` locally.
// Exit codes: 0 clean stop or --help, 1 startup failure, 2 bad flags.
import { Fn } from "./fn.js";
import { composers } from "./registry.js";
import {
  USAGE,
  StartupError,
  handleSignals,
  newLogger,
  parseFlags,
  startServer,
} from "./server.js";

async function main(): Promise<void> {
  const parsed = parseFlags(process.argv.slice(2), process.env);
  if (parsed.kind === "help") {
    process.stdout.write(USAGE);
    return;
  }
  if (parsed.kind === "error") {
    process.stderr.write(`crossvdc: ${parsed.message}\n\n${USAGE}`);
    process.exit(2);
  }
  const { flags } = parsed;
  const logger = newLogger(flags.debug);
  // A signal that arrives while the server starts (after it logs "started", before the
  // handlers below exist) would kill the process without its shutdown: hold it until then.
  let early: NodeJS.Signals | undefined;
  const hold = (signal: NodeJS.Signals) => (early ??= signal);
  process.on("SIGTERM", hold).on("SIGINT", hold);
  let handle;
  try {
    handle = await startServer({ ...flags, fn: new Fn(composers), logger });
  } catch (err) {
    const msg =
      err instanceof StartupError
        ? err.message
        : `cannot start: ${err instanceof Error ? err.message : String(err)}`;
    process.stderr.write(`crossvdc: ${msg}\n`);
    process.exit(1);
  }
  handleSignals(handle, logger);
  process.off("SIGTERM", hold).off("SIGINT", hold);
  if (early) process.kill(process.pid, early);
}

main().catch((err: unknown) => {
  process.stderr.write(`crossvdc: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
