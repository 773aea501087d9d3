// src/wasm/status.ts mirrors wasm/status.ts exactly, and every negative code maps to the
// right member of the error family with a stable code and the offset.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DecompressionError, LimitError, WasmError } from '../../src/errors';
import { STATUS, decompressionError, outputLimitError, statusError, statusName } from '../../src/wasm/status';

const source = readFileSync(new URL('../../wasm/status.ts', import.meta.url), 'utf8');
const wasmCodes = Object.fromEntries(
  [...source.matchAll(/export const (\w+): i32 = (-?\d+);/g)].map((m) => [m[1]!, Number(m[2])]),
);

describe('status mirror', () => {
  it('has exactly the constants of wasm/status.ts, with the same values', () => {
    expect(Object.keys(wasmCodes).length).toBeGreaterThan(20);
    expect(STATUS).toEqual(wasmCodes);
  });

  it('has distinct values and names them back', () => {
    const values = Object.values(STATUS);
    expect(new Set(values).size).toBe(values.length);
    for (const [name, value] of Object.entries(STATUS)) expect(statusName(value)).toBe(name);
    expect(statusName(-999)).toBe('STATUS_-999');
  });
});

describe('status → error', () => {
  const decompression = Object.entries(STATUS).filter(([n, v]) => v < 0 && n !== 'OUTPUT_LIMIT' && n !== 'BAD_ARGUMENT');

  it.each(decompression)('%s is a DecompressionError with that code and the offset', (name, value) => {
    const err = statusError(value, 1234);
    expect(err).toBeInstanceOf(DecompressionError);
    expect(err).toMatchObject({ code: name, offset: 1234, name: 'DecompressionError' });
    expect(err.message).toMatch(/at compressed byte 1234/);
  });

  it('OUTPUT_LIMIT is a LimitError carrying the cap', () => {
    const err = statusError(STATUS.OUTPUT_LIMIT!, 0, 5000);
    expect(err).toBeInstanceOf(LimitError);
    expect(err).toMatchObject({ code: 'OUTPUT_LIMIT', limit: 5000, requested: 5001 });
    expect(outputLimitError(7)).toMatchObject({ code: 'OUTPUT_LIMIT', limit: 7 });
  });

  it('BAD_ARGUMENT and unknown codes are WasmErrors (host bugs, not bad input)', () => {
    expect(statusError(STATUS.BAD_ARGUMENT!, 0)).toBeInstanceOf(WasmError);
    expect(statusError(-77, 0)).toBeInstanceOf(WasmError);
    expect(statusError(STATUS.NEED_INPUT!, 0)).toBeInstanceOf(WasmError);
  });

  it('an unknown offset is -1 and left out of the message', () => {
    const err = decompressionError('TRUNCATED', -1);
    expect(err.offset).toBe(-1);
    expect(err.message).not.toMatch(/byte/);
  });
});
