import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Starts `node --import tsx <script>` from the repository root with extra environment. */
export function startChild(script: string, env: Record<string, string>): { child: ChildProcess; lines: Promise<string[]>; firstLine: Promise<string>; exit: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'silent', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let resolveFirst: (line: string) => void;
  const firstLine = new Promise<string>((resolve) => (resolveFirst = resolve));
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    const newline = out.indexOf('\n');
    if (newline >= 0) resolveFirst(out.slice(0, newline));
  });
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const lines = exit.then((code) => {
    if (code !== 0 && code !== null) throw new Error(`${script} exited with ${code}: ${err.slice(-2000)}`);
    return out.split('\n').filter(Boolean);
  });
  return { child, lines, firstLine, exit };
}
