import { describe, expect, test } from 'vitest';
import { parseStack } from '../src/stack/parseStack';

// Real stack strings, copied from each engine's output for the same code.
const CHROME = `TypeError: Cart is empty: cannot check out
    at validateCart (https://shop.example.com/assets/app.js:11:39)
    at checkout (https://shop.example.com/assets/app.js:14:3)
    at async Promise.all (index 0)
    at new Checkout (https://shop.example.com/assets/app.js:40:9)
    at https://shop.example.com/assets/app.js:20:5
    at Array.forEach (<anonymous>)
    at eval (eval at run (https://shop.example.com/assets/vendor.js:3:17), <anonymous>:1:1)
    at HTMLButtonElement.onclick (https://shop.example.com/node_modules/react-dom/cjs/react-dom.js:1:99)`;

const FIREFOX = `validateCart@https://shop.example.com/assets/app.js:11:39
checkout@https://shop.example.com/assets/app.js:14:3
Checkout/<@https://shop.example.com/assets/app.js:40:9
@https://shop.example.com/assets/app.js:20:5
run@https://shop.example.com/assets/vendor.js line 3 > eval:1:1
onclick@moz-extension://abcd/content.js:1:1
`;

const SAFARI = `validateCart@https://shop.example.com/assets/app.js:11:39
checkout@https://shop.example.com/assets/app.js:14:3
forEach@[native code]
[native code]
global code@https://shop.example.com/assets/app.js:20:5
https://shop.example.com/assets/app.js:44:2`;

describe('parseStack', () => {
  test('reads Chrome (V8) frames, outermost first, skipping the message line', () => {
    const frames = parseStack(CHROME);
    expect(frames.map((f) => f.function)).toEqual(['HTMLButtonElement.onclick', 'eval', 'Array.forEach', '?', 'new Checkout', 'checkout', 'validateCart']);
    expect(frames[frames.length - 1]).toEqual({ filename: 'https://shop.example.com/assets/app.js', abs_path: 'https://shop.example.com/assets/app.js', function: 'validateCart', lineno: 11, colno: 39, in_app: true });
    const evalFrame = frames[1];
    expect([evalFrame.filename, evalFrame.lineno, evalFrame.colno]).toEqual(['https://shop.example.com/assets/vendor.js', 3, 17]);
    expect(frames[0].in_app).toBe(false); // node_modules
    expect(frames[2]).toMatchObject({ filename: '<anonymous>', in_app: false });
  });

  test('drops V8 "async Promise.all (index 0)" lines that point nowhere', () => {
    expect(parseStack(CHROME).some((f) => f.filename === 'index 0')).toBe(false);
  });

  test('reads Firefox frames, including anonymous and eval frames and extensions', () => {
    const frames = parseStack(FIREFOX).reverse();
    expect(frames.map((f) => f.function)).toEqual(['validateCart', 'checkout', 'Checkout/<', '?', 'run', 'onclick']);
    expect(frames[3]).toMatchObject({ filename: 'https://shop.example.com/assets/app.js', lineno: 20, colno: 5 });
    expect(frames[4]).toMatchObject({ filename: 'https://shop.example.com/assets/vendor.js', lineno: 3 });
    expect(frames[5].in_app).toBe(false);
  });

  test('reads Safari frames: global code, native code and bare locations', () => {
    const frames = parseStack(SAFARI).reverse();
    expect(frames.map((f) => [f.function, f.filename, f.lineno])).toEqual([
      ['validateCart', 'https://shop.example.com/assets/app.js', 11],
      ['checkout', 'https://shop.example.com/assets/app.js', 14],
      ['forEach', '[native code]', undefined],
      ['?', '[native code]', undefined],
      ['?', 'https://shop.example.com/assets/app.js', 20],
      ['?', 'https://shop.example.com/assets/app.js', 44],
    ]);
    expect(frames[2].in_app).toBe(false);
  });

  test('returns no frames for garbage rather than throwing', () => {
    expect(parseStack(undefined)).toEqual([]);
    expect(parseStack(42 as unknown as string)).toEqual([]);
    expect(parseStack('just a message\nwith lines')).toEqual([]);
  });
});
