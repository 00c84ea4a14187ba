/**
 * Splits a command line into words the way a POSIX shell would quote them,
 * without running a shell: no variables, globs, pipes or redirections.
 * Supports 'single quotes', "double quotes" (where \ escapes " \ $ `) and
 * backslash escapes outside quotes.
 */
export class ShellWordsError extends Error {
  override readonly name = 'ShellWordsError';
}

const OPERATORS = new Set(['|', '||', '&', '&&', ';', '>', '>>', '<', '2>', '2>&1', '&>']);

export function splitShellWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quoted = false;
  for (let at = 0; at < line.length; at++) {
    const char = line[at]!;
    if (char === "'") {
      const end = line.indexOf("'", at + 1);
      if (end < 0) throw new ShellWordsError(`unterminated single quote at character ${at + 1}`);
      word += line.slice(at + 1, end);
      at = end;
      inWord = quoted = true;
    } else if (char === '"') {
      at = readDoubleQuoted(line, at, (text) => (word += text));
      inWord = quoted = true;
    } else if (char === '\\') {
      if (at + 1 >= line.length) throw new ShellWordsError('the command ends with a lone backslash');
      // A backslash before a newline continues the line, as in a shell.
      if (line[at + 1] !== '\n') {
        word += line[at + 1];
        inWord = true;
      }
      at++;
    } else if (/\s/.test(char)) {
      if (inWord) finish();
    } else {
      if (!quoted && (char === '`' || (char === '$' && line[at + 1] === '('))) {
        throw new ShellWordsError(`command substitution (${char === '`' ? '`…`' : '$(…)'}) needs a shell; put it in a script and run that`);
      }
      word += char;
      inWord = true;
    }
  }
  if (inWord) finish();
  return words;

  function finish(): void {
    if (!quoted && OPERATORS.has(word)) {
      throw new ShellWordsError(
        `"${word}" is a shell operator, but the command runs without a shell; put pipelines and redirections in a script and run that`,
      );
    }
    words.push(word);
    word = '';
    inWord = quoted = false;
  }
}

function readDoubleQuoted(line: string, start: number, append: (text: string) => void): number {
  for (let at = start + 1; at < line.length; at++) {
    const char = line[at]!;
    if (char === '"') return at;
    if (char === '\\' && at + 1 < line.length && '"\\$`\n'.includes(line[at + 1]!)) {
      if (line[at + 1] !== '\n') append(line[at + 1]!);
      at++;
    } else {
      append(char);
    }
  }
  throw new ShellWordsError(`unterminated double quote at character ${start + 1}`);
}
