/**
 * A code ↔ label table: nibabel's `volumeutils.Recoder`, as the headers use it for coded
 * fields (datatype, xform codes, units, intents, slice orders). Pure data, no I/O.
 */

/**
 * A code ↔ label table (nibabel's `Recoder`): every code has a label, and may have aliases
 * (nibabel's niistrings such as `NIFTI_XFORM_MNI_152`, or short forms such as `seq inc`).
 */
export class Recoder {
  private readonly byKey = new Map<string | number, number>();
  private readonly labels = new Map<number, string>();

  /** @param rows `[code, label, ...aliases]` */
  constructor(rows: readonly (readonly [number, string, ...string[]])[]) {
    for (const [code, label, ...aliases] of rows) {
      this.labels.set(code, label);
      this.byKey.set(code, code);
      this.byKey.set(label, code);
      for (const a of aliases) this.byKey.set(a, code);
    }
  }

  /**
   * @param key a code, label or alias
   * @returns whether the table knows it
   */
  has(key: string | number): boolean {
    return this.byKey.has(key);
  }

  /**
   * @param key a code, label or alias
   * @returns the code
   * @throws {RangeError} for an unknown key (nibabel's `KeyError`)
   */
  code(key: string | number): number {
    const c = this.byKey.get(key);
    if (c === undefined) throw new RangeError(`unknown code or label ${JSON.stringify(key)}`);
    return c;
  }

  /**
   * @param key a code, label or alias
   * @returns the canonical label
   * @throws {RangeError} for an unknown key
   */
  label(key: string | number): string {
    return this.labels.get(this.code(key))!;
  }

  /** @returns all codes, ascending */
  codes(): number[] {
    return [...this.labels.keys()].sort((a, b) => a - b);
  }
}

