import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { loadProgram } from '../../src/cli/load-program.js';
import { buildProgram } from '../../src/cli/program.js';

const shape = (command: Command): unknown => ({
  name: command.name(),
  options: command.options.map((o) => o.flags),
  commands: command.commands.map(shape),
});

describe('loading only the command named', () => {
  it('gives each command the same options and subcommands as the full tree', async () => {
    const full = buildProgram();
    for (const command of full.commands) {
      const loaded = await loadProgram([command.name(), '--help']);
      expect(loaded.commands.map((c) => c.name())).toEqual([command.name()]);
      expect(shape(loaded.commands[0]!)).toEqual(shape(command));
    }
  });

  it('loads no command for --version and the whole tree for --help or an unknown name', async () => {
    expect((await loadProgram(['--version'])).commands).toHaveLength(0);
    const all = buildProgram().commands.length;
    expect((await loadProgram(['--help'])).commands).toHaveLength(all);
    expect((await loadProgram(['no-such-command'])).commands).toHaveLength(all);
  });
});
