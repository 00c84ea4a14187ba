/**
 * The programs a bash script runs, read from its text: the first word of each simple command, after the
 * prefixes that run another command (sudo, exec, env, nice, flock, timeout, xargs, and the project's own
 * run_logged). A deliberately small reader for the project's own scripts, not a bash parser: it knows quotes
 * (over several lines too), $(…) (inside double quotes too), comments, heredoc bodies, array literals, case
 * patterns and arithmetic, and leaves out commands named by a variable or a path ("$venv/bin/pip", ./x), which
 * are the project's own programs.
 */

export interface CommandUse {
  command: string;
  line: number;
}

const KEYWORDS = new Set(['if', 'then', 'else', 'elif', 'fi', 'while', 'until', 'do', 'done', 'esac', 'function', 'time', '!']);
/** Prefixes that run the command after them: how many words, their own included, to skip to reach it (-1: none). */
const PREFIXES: Record<string, (words: string[]) => number> = {
  sudo: (w) =>
    1 +
    Math.max(
      0,
      w.slice(1).findIndex((word) => !word.startsWith('-')),
    ),
  // `exec 9>file` and `exec {fd}>file` only open a descriptor.
  exec: (w) => (w.length < 2 || /^(\d*|\{\w+\})[<>]/.test(w[1]!) ? -1 : 1),
  nice: (w) => (w[1] === '-n' ? 3 : 1),
  timeout: () => 2,
  flock: (w) => (w[1]?.startsWith('-') ? 3 : 2),
  xargs: (w) =>
    1 +
    Math.max(
      0,
      w.slice(1).findIndex((word) => !word.startsWith('-')),
    ),
  run_logged: () => 3,
};

interface Segment {
  text: string;
  line: number;
  /** The character that ended it outside any $(…): ")" ends a case pattern, "|" may part its alternatives. */
  closedBy: string;
}

/** Splits a script into simple commands, at ; | & ( ) { } ` and newlines outside quotes. */
function segments(script: string): Segment[] {
  const done: Segment[] = [];
  const buffers: { text: string; line: number }[] = [{ text: '', line: 1 }];
  const contexts: string[] = ['top'];
  let line = 1;
  let heredoc: string | undefined;
  const top = () => contexts[contexts.length - 1]!;
  const append = (text: string) => {
    const buffer = buffers[buffers.length - 1]!;
    if (buffer.text.trim() === '') buffer.line = line;
    buffer.text += text;
  };
  const flush = (closedBy = '') => {
    const buffer = buffers[buffers.length - 1]!;
    done.push({ text: buffer.text, line: buffer.line, closedBy });
    buffers[buffers.length - 1] = { text: '', line };
  };
  for (let i = 0; i < script.length; i++) {
    const c = script[i]!;
    const context = top();
    if (c === '\n') {
      line++;
      if (context === 'top' || context === '$(') {
        flush();
        if (heredoc !== undefined) {
          // Skip the heredoc's body, up to its terminator line.
          const end = new RegExp(`^\\s*${heredoc}\\s*$`);
          let next = script.indexOf('\n', i + 1);
          while (next !== -1 && !end.test(script.slice(i + 1, next))) {
            i = next;
            line++;
            next = script.indexOf('\n', i + 1);
          }
          i = next === -1 ? script.length : next;
          line++;
          heredoc = undefined;
        }
      } else append(' ');
      continue;
    }
    if (context === "'") {
      if (c === "'") contexts.pop();
      append(c);
      continue;
    }
    if (c === '\\') {
      if (script[i + 1] === '\n') line++;
      append(script[i + 1] === '\n' ? ' ' : script.slice(i, i + 2));
      i++;
      continue;
    }
    if (c === '$' && script.startsWith('((', i + 1)) {
      const end = script.indexOf('))', i);
      append('$ARITH');
      i = end === -1 ? script.length : end + 1;
      continue;
    }
    if (c === '$' && script[i + 1] === '(') {
      append('$SUBST');
      buffers.push({ text: '', line });
      contexts.push('$(');
      i++;
      continue;
    }
    if (context === '"') {
      if (c === '"') contexts.pop();
      append(c);
      continue;
    }
    if (context === 'array') {
      // An array's elements are words, never commands, quoted ones included: skip a quoted element whole.
      if (c === "'" || c === '"') {
        const end = script.indexOf(c, i + 1);
        const skipped = script.slice(i, end === -1 ? script.length : end + 1);
        line += skipped.split('\n').length - 1;
        i += skipped.length - 1;
        append(' ');
        continue;
      }
      if (c === ')') contexts.pop();
      append(c === ')' ? c : ' ');
      continue;
    }
    if (c === "'" || c === '"') {
      contexts.push(c);
      append(c);
      continue;
    }
    if (c === '#' && (i === 0 || /\s/.test(script[i - 1]!))) {
      const end = script.indexOf('\n', i);
      i = (end === -1 ? script.length : end) - 1;
      continue;
    }
    if (c === '(' && script[i - 1] === '=') {
      contexts.push('array');
      append(c);
      continue;
    }
    if (c === '(' && script[i + 1] === '(') {
      // (( arithmetic ))
      const end = script.indexOf('))', i);
      i = end === -1 ? script.length : end + 1;
      continue;
    }
    if (c === '<' && script.startsWith('<<', i) && script[i + 2] !== '<') {
      const opening = /^<<-?\s*['"]?([A-Za-z_]+)['"]?/.exec(script.slice(i));
      if (opening) {
        heredoc = opening[1];
        i += opening[0].length - 1;
        continue;
      }
    }
    if (c === ')' && context === '$(') {
      flush();
      buffers.pop();
      contexts.pop();
      continue;
    }
    if (';|&(){}`'.includes(c)) flush(contexts.length === 1 ? c : '');
    else append(c);
  }
  while (buffers.length > 0) {
    const buffer = buffers.pop()!;
    done.push({ text: buffer.text, line: buffer.line, closedBy: '' });
  }
  return done;
}

function words(segment: string): string[] {
  return segment.match(/(?:"[^"]*"|'[^']*'|[^\s"'])+/g) ?? [];
}

function commandOf(segmentWords: string[]): string | undefined {
  let rest = segmentWords;
  for (;;) {
    while (rest.length > 0 && (/^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=/.test(rest[0]!) || KEYWORDS.has(rest[0]!))) rest = rest.slice(1);
    const first = rest[0];
    if (first === undefined) return undefined;
    // A test names no program; `command -v x` only checks that x exists; `for`/`case` words are not commands.
    if (['[[', '[', ']]', 'for', 'select', 'case', 'in'].includes(first) || (first === 'command' && rest[1] === '-v')) return undefined;
    if (first === 'command' || first === 'builtin') {
      rest = rest.slice(1);
      continue;
    }
    if (first === 'env') {
      rest = rest.slice(1);
      while (rest[0] && (rest[0].startsWith('-') || /^[A-Za-z_][A-Za-z0-9_]*=/.test(rest[0]))) rest = rest.slice(1);
      continue;
    }
    const prefix = PREFIXES[first];
    if (prefix) {
      const skip = prefix(rest);
      if (skip < 0) return undefined;
      rest = rest.slice(skip);
      continue;
    }
    return first;
  }
}

export function commandsOf(script: string): CommandUse[] {
  const found: CommandUse[] = [];
  let caseDepth = 0;
  // Inside a case, "a | b)" is one pattern: what came before a "|" is held until the ")" shows it was one.
  let held: CommandUse[] = [];
  for (const segment of segments(script)) {
    const segmentWords = words(segment.text);
    if (segmentWords[0] === 'case') caseDepth++;
    if (segmentWords[0] === 'esac') caseDepth = Math.max(0, caseDepth - 1);
    if (caseDepth > 0 && segment.closedBy === ')') {
      held = [];
      continue;
    }
    const command = commandOf(segmentWords);
    // Variables and paths ("$venv/bin/pip", ./x) are the project's own programs, found where they are built.
    const use = command && /^[A-Za-z][\w.-]*$/.test(command) ? { command, line: segment.line } : undefined;
    if (caseDepth > 0 && segment.closedBy === '|') {
      if (use) held.push(use);
      continue;
    }
    found.push(...held, ...(use ? [use] : []));
    held = [];
  }
  return found.concat(held);
}

/** Functions a script defines: calls to them are not programs. */
export function functionsOf(script: string): string[] {
  return [...script.matchAll(/^\s*(?:function\s+([A-Za-z_][\w-]*)|([A-Za-z_][\w-]*)\s*\(\))/gm)].map((match) => (match[1] ?? match[2])!);
}
