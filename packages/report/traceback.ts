/** One location named in a failure's text. */
export interface Frame {
  file: string;
  line: number;
}

// pytest's long and short formats: "tests/test_x.py:20: AssertionError" or "calculator.py:15: " at column 0.
// The path has no spaces or quotes, which keeps out assertion text such as `E   assert "a.py:3: x"`.
const PYTEST_FRAME = /^([^\s:"'][^\s:"']*\.[A-Za-z0-9]+):(\d+):(?: |$)/;
// Python's own format, from --tb=native, unittest and logging: '  File "tests/test_x.py", line 20, in test_x'.
const PYTHON_FRAME = /^\s*File "([^"\n]+)", line (\d+)/;

/**
 * The file:line locations in a traceback, outermost first and innermost last,
 * as both pytest and Python print them.
 */
export function tracebackFrames(details: string | undefined): Frame[] {
  if (!details) return [];
  const frames: Frame[] = [];
  for (const line of details.split('\n')) {
    const match = PYTEST_FRAME.exec(line) ?? PYTHON_FRAME.exec(line);
    if (match) frames.push({ file: match[1]!, line: Number(match[2]) });
  }
  return frames;
}
