// Numeric settings as read: a value out of range or not a number falls back to the default, with a
// one-line warning, instead of becoming a timer that fires every millisecond.

export interface NumberSettingRule {
  /** The full setting name, e.g. `swarmOverlay.requestTimeoutSeconds`. */
  key: string;
  default: number;
  min: number;
  max: number;
  /** 0 is accepted too (it turns the thing off), besides min..max. */
  orZero?: boolean;
}

export function numberSetting(value: unknown, rule: NumberSettingRule): { value: number; warning?: string } {
  if (value === undefined || value === null) return { value: rule.default };
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if ((Number.isFinite(n) && n >= rule.min && n <= rule.max) || (rule.orZero && n === 0)) return { value: n };
  const shown = typeof value === 'number' ? String(value) : JSON.stringify(value);
  const range = `${rule.orZero ? '0 or ' : ''}a number from ${rule.min} to ${rule.max}`;
  return { value: rule.default, warning: `${rule.key} is ${shown}, not ${range}: using ${rule.default}.` };
}
