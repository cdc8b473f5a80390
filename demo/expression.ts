/**
 * A small, safe parser for expressions of x and y (no eval): numbers, x, y, pi, e, + − * / ^, unary minus,
 * parentheses and the functions below. Returns a compiled function or throws an Error naming the problem.
 */
const FUNCTIONS: Record<string, (v: number) => number> = {
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
  sinh: Math.sinh,
  cosh: Math.cosh,
  tanh: Math.tanh,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  abs: Math.abs,
  floor: Math.floor,
  ceil: Math.ceil,
  sign: Math.sign,
};
const CONSTANTS: Record<string, number> = { pi: Math.PI, e: Math.E };

type Fn = (x: number, y: number) => number;
type Token = { kind: 'num'; value: number } | { kind: 'name'; value: string } | { kind: 'op'; value: string };

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i];
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const num = /^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?/i.exec(src.slice(i));
    if (num) {
      tokens.push({ kind: 'num', value: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    const name = /^[a-z_][a-z0-9_]*/i.exec(src.slice(i));
    if (name) {
      tokens.push({ kind: 'name', value: name[0].toLowerCase() });
      i += name[0].length;
      continue;
    }
    if (src.startsWith('**', i)) {
      tokens.push({ kind: 'op', value: '^' });
      i += 2;
      continue;
    }
    if ('+-*/^(),'.includes(ch)) {
      tokens.push({ kind: 'op', value: ch });
      i++;
      continue;
    }
    throw new Error(`unexpected character "${ch}" at position ${i + 1}`);
  }
  return tokens;
}

export function compileExpression(src: string): Fn {
  const tokens = tokenize(src);
  let pos = 0;
  const peek = () => tokens[pos];
  const isOp = (v: string) => peek()?.kind === 'op' && peek().value === v;
  const expect = (v: string) => {
    if (!isOp(v)) throw new Error(`expected "${v}"`);
    pos++;
  };

  // expr := term (('+'|'-') term)*; term := unary (('*'|'/') unary)*; unary := '-' unary | power;
  // power := atom ('^' unary)?   (right-associative, binds tighter than unary minus on its left)
  function expr(): Fn {
    let left = term();
    while (isOp('+') || isOp('-')) {
      const op = tokens[pos++].value,
        a = left,
        b = term();
      left = op === '+' ? (x, y) => a(x, y) + b(x, y) : (x, y) => a(x, y) - b(x, y);
    }
    return left;
  }
  function term(): Fn {
    let left = unary();
    while (isOp('*') || isOp('/')) {
      const op = tokens[pos++].value,
        a = left,
        b = unary();
      left = op === '*' ? (x, y) => a(x, y) * b(x, y) : (x, y) => a(x, y) / b(x, y);
    }
    return left;
  }
  function unary(): Fn {
    if (isOp('-')) {
      pos++;
      const a = unary();
      return (x, y) => -a(x, y);
    }
    if (isOp('+')) {
      pos++;
      return unary();
    }
    return power();
  }
  function power(): Fn {
    const base = atom();
    if (isOp('^')) {
      pos++;
      const exp = unary();
      return (x, y) => base(x, y) ** exp(x, y);
    }
    return base;
  }
  function atom(): Fn {
    const t = peek();
    if (!t) throw new Error('unexpected end of expression');
    pos++;
    if (t.kind === 'num') {
      const v = t.value;
      return () => v;
    }
    if (t.kind === 'op' && t.value === '(') {
      const inner = expr();
      expect(')');
      return inner;
    }
    if (t.kind === 'name') {
      if (t.value === 'x') return (x) => x;
      if (t.value === 'y') return (_x, y) => y;
      if (t.value in CONSTANTS) {
        const v = CONSTANTS[t.value];
        return () => v;
      }
      const f = FUNCTIONS[t.value];
      if (f) {
        expect('(');
        const arg = expr();
        expect(')');
        return (x, y) => f(arg(x, y));
      }
      throw new Error(`unknown name "${t.value}" (use x, y, pi, e, or ${Object.keys(FUNCTIONS).join(', ')})`);
    }
    throw new Error(`unexpected "${t.value}"`);
  }

  if (tokens.length === 0) throw new Error('empty expression');
  const fn = expr();
  if (pos < tokens.length) throw new Error(`unexpected "${tokens[pos].value}" after the expression`);
  return fn;
}
