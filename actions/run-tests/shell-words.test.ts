import { describe, expect, it } from 'vitest';
import { splitShellWords, ShellWordsError } from './shell-words';

describe('splitShellWords', () => {
  it('splits on whitespace and honours quotes and escapes', () => {
    expect(splitShellWords('python -m pytest -q')).toEqual(['python', '-m', 'pytest', '-q']);
    expect(splitShellWords(`pytest -k 'not slow and not db' "tests/a b.py"`)).toEqual([
      'pytest',
      '-k',
      'not slow and not db',
      'tests/a b.py',
    ]);
    expect(splitShellWords(String.raw`echo a\ b "q\"uote" 'back\slash' "\$HOME"`)).toEqual([
      'echo',
      'a b',
      'q"uote',
      'back\\slash',
      '$HOME',
    ]);
    expect(splitShellWords(`pytest  \\\n  -x\t-v\n`)).toEqual(['pytest', '-x', '-v']);
    expect(splitShellWords(`a '' ""`)).toEqual(['a', '', '']);
    expect(splitShellWords('--opt="a b"c')).toEqual(['--opt=a bc']);
  });

  it('keeps quoted operators as arguments', () => {
    expect(splitShellWords(`grep '|' "&&"`)).toEqual(['grep', '|', '&&']);
  });

  it('rejects what needs a shell, and broken quoting', () => {
    expect(() => splitShellWords('pytest | tee log')).toThrow('"|" is a shell operator');
    expect(() => splitShellWords('make test && pytest')).toThrow(ShellWordsError);
    expect(() => splitShellWords('pytest > out.txt')).toThrow(ShellWordsError);
    expect(() => splitShellWords('pytest $(ls tests)')).toThrow('command substitution');
    expect(() => splitShellWords('pytest `ls`')).toThrow('command substitution');
    expect(() => splitShellWords(`pytest -k 'open`)).toThrow('unterminated single quote at character 11');
    expect(() => splitShellWords('pytest "open')).toThrow('unterminated double quote');
    expect(() => splitShellWords('pytest \\')).toThrow('lone backslash');
  });
});
