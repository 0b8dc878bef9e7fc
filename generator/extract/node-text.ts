// How a node is named in diagnostics: a one-line excerpt and its 1-based line and column.
import type { Node } from 'ts-morph';
import type { Unknown } from './values.js';

export function short(node: Node): string {
  const text = node.getText().replace(/\s+/g, ' ');
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export function position(node: Node): { line: number; col: number } {
  const { line, column } = node.getSourceFile().getLineAndColumnAtPos(node.getStart());
  return { line, col: column };
}

export function where(unknown: Unknown): string {
  return `${unknown.file.path}:${position(unknown.node).line}`;
}
