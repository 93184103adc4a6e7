// A server under test as a child process: spawn it, learn its port from its
// startup log line, read its memory from /proc, stop it with SIGTERM. The
// benchmark and the load and secrets tests (test/*.test.ts) share it.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";

export interface ServerProc {
  child: ChildProcess;
  pid: number;
  port: number;
  /** performance.now() when spawn was called and when the startup line arrived. */
  spawnedAt: number;
  listeningAt: number;
  stdout(): string;
  stderr(): string;
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Spawns `node <args>` (`opts.node`, else the node running this process) and resolves once it
 * logs "function server started".
 */
export function startProc(
  args: string[],
  opts: { cwd: string; timeoutMs?: number; env?: NodeJS.ProcessEnv; node?: string },
): Promise<ServerProc> {
  const spawnedAt = performance.now();
  const child = spawn(opts.node ?? process.execPath, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(
          `${args.join(" ")}: no startup line after ${opts.timeoutMs ?? 30_000} ` +
            `ms\nstdout: ${out}\nstderr: ${err}`,
        ),
      );
    }, opts.timeoutMs ?? 30_000);
    child.stderr.on("data", (d) => (err += d));
    child.stdout.on("data", (d) => {
      out += d;
      if (started) return;
      for (const line of out.split("\n")) {
        if (!line.startsWith("{")) continue;
        let l: { msg?: unknown; port?: unknown };
        try {
          l = JSON.parse(line) as { msg?: unknown; port?: unknown };
        } catch {
          continue;
        }
        if (l.msg === "function server started" && typeof l.port === "number") {
          started = true;
          clearTimeout(timer);
          const port = l.port;
          resolve({
            child,
            pid: child.pid!,
            port,
            spawnedAt,
            listeningAt: performance.now(),
            stdout: () => out,
            stderr: () => err,
            stop: () => {
              if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
              return exited;
            },
          });
          return;
        }
      }
    });
    let started = false;
    child.on("exit", (code, signal) => {
      if (started) return;
      clearTimeout(timer);
      reject(
        new Error(
          `${args.join(" ")} exited (${code ?? signal}) before ` +
            `starting\nstdout: ${out}\nstderr: ${err}`,
        ),
      );
    });
  });
}

/** Resident set now and its peak (VmHWM) since start or the last `resetPeak`, in bytes. */
export function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) =>
    Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb("VmRSS"), peak: kb("VmHWM") };
}

/** Clock ticks per second of /proc's CPU times (USER_HZ). */
const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU time (user + system, µs) a process has used so far: on its main thread,
 * where JavaScript runs, and on all its other threads together (V8's GC and
 * compiler helpers, libuv's pool). Linux only; /proc counts in clock ticks.
 */
export function cpuTime(pid: number): { main: number; other: number } {
  // The process's figure includes threads that have ended; the main thread's is its task's.
  const total = ticks(`/proc/${pid}/stat`);
  const main = ticks(`/proc/${pid}/task/${pid}/stat`);
  return {
    main: (main * 1e6) / TICKS_PER_SECOND,
    other: ((total - main) * 1e6) / TICKS_PER_SECOND,
  };
}

function ticks(statFile: string): number {
  const stat = readFileSync(statFile, "utf8");
  // After "pid (comm) ": state is field 1, utime and stime fields 12 and 13.
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(f[11]) + Number(f[12]);
}

/**
 * Resets VmHWM to the current RSS (Linux: echo 5 > /proc/<pid>/clear_refs). False when not allowed.
 */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

/** The JSON log lines of a captured stream (pino writes one object a line). */
export function logLines(text: string): Record<string, unknown>[] {
  return text
    .split("\n")
    .filter((l) => l.trim().startsWith("{"))
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}
