// Enum values as people say them: `INFERENCE` for WORKLOAD_KIND_INFERENCE, `QUEUED` for
// JOB_STATE_QUEUED. buf's STANDARD lint makes every value of an enum carry the enum's name as a
// prefix, so the label is the value without the prefix its values share.
type StringEnum = Readonly<Record<string, string>>;

const prefixes = new WeakMap<StringEnum, string>();

function prefixOf(enumObject: StringEnum): string {
  let prefix = prefixes.get(enumObject);
  if (prefix === undefined) {
    const values = Object.values(enumObject).filter((value) => value !== 'UNRECOGNIZED');
    let common = values[0] ?? '';
    for (const value of values) while (!value.startsWith(common)) common = common.slice(0, -1);
    prefix = common.slice(0, common.lastIndexOf('_') + 1);
    prefixes.set(enumObject, prefix);
  }
  return prefix;
}

/** `enumLabel(api.WorkloadKind, 'WORKLOAD_KIND_BATCH_INFERENCE') === 'BATCH_INFERENCE'`; other text comes back as it is. */
export function enumLabel(enumObject: StringEnum, value: string): string {
  const prefix = prefixOf(enumObject);
  return prefix !== '' && value.startsWith(prefix) ? value.slice(prefix.length) : value;
}

/** The enum value a label (any case, `-` or `_`) or a full value names, or undefined. */
export function enumValueOf<E extends StringEnum>(enumObject: E, label: string): E[keyof E] | undefined {
  const wanted = label.trim().toUpperCase().replace(/-/g, '_');
  const prefix = prefixOf(enumObject);
  const values = Object.values(enumObject).filter((value) => value !== 'UNRECOGNIZED');
  return values.find((value) => value === wanted || value === `${prefix}${wanted}`) as E[keyof E] | undefined;
}
