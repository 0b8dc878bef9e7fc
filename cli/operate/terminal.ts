// Terminal conventions of the operating commands: colours only on a terminal and never with NO_COLOR; progress
// drawn in place on a terminal, plain periodic lines otherwise.
import pc from 'picocolors';

export type Colors = ReturnType<typeof pc.createColors>;

export function isTerminal(stream: NodeJS.WriteStream | undefined): boolean {
  return stream?.isTTY === true;
}

/** picocolors alone also colours under CI without a terminal; the rule is stricter. */
export function colorsFor(stream: NodeJS.WriteStream | undefined, env: NodeJS.ProcessEnv): Colors {
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  return pc.createColors(isTerminal(stream) && !noColor);
}
