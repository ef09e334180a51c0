import { fieldByName, fieldBySigmaName } from '../../../model/fields.js';
import { unsupported } from '../types.js';
import type { FieldResolver } from './item.js';

/**
 * Sigma names resolve through the model's field table (src/model/fields.ts), never through a table of our own;
 * the model's own names are accepted too, for rules written against minewarden directly.
 */
export const resolveField: FieldResolver = (name, line) => {
  const spec = fieldBySigmaName(name) ?? fieldByName(name);
  if (!spec)
    throw unsupported(`field '${name}' (not in the field table, src/model/fields.ts) at line ${line}`, line);
  return spec.name;
};
