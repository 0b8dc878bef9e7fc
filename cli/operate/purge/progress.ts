// How a purge shows its progress (on stderr, so stdout carries only the count or the JSON): a line redrawn in place
// on a terminal, plain lines every few seconds otherwise (a log file must not fill with cursor codes).
import { createLogUpdate } from 'log-update';
import type { Colors } from '../terminal.js';

export interface PurgeProgress {
  update(removed: number, scanned: number): void;
  end(removed: number): void;
}

const number = (n: number): string => n.toLocaleString('en-US');
const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function terminalProgress(stream: NodeJS.WriteStream, colors: Colors, label: string): PurgeProgress {
  const draw = createLogUpdate(stream);
  let frame = 0;
  let drawnMs = 0;
  return {
    update(removed, scanned) {
      // A batch takes a millisecond or two: redraw ten times a second, not per batch.
      if (performance.now() - drawnMs < 100) return;
      drawnMs = performance.now();
      frame = (frame + 1) % FRAMES.length;
      draw(`${colors.cyan(FRAMES[frame] ?? '')} ${label}: ${number(removed)} keys removed (${number(scanned)} matched so far)`);
    },
    end(removed) {
      draw(`${colors.green('✔')} ${label}: ${number(removed)} keys removed`);
      draw.done();
    },
  };
}

export function lineProgress(write: (text: string) => void, label: string, everyMs = 2000): PurgeProgress {
  let lastMs = performance.now();
  return {
    update(removed, scanned) {
      if (performance.now() - lastMs < everyMs) return;
      lastMs = performance.now();
      write(`${label}: ${number(removed)} keys removed (${number(scanned)} matched so far)\n`);
    },
    end(removed) {
      write(`${label}: ${number(removed)} keys removed\n`);
    },
  };
}
