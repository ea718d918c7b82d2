// A value satisfying a tool or output schema, for the fake upstreams' deterministic replies:
// objects, strings, numbers, enums, const and arrays, JSON Schema's type lists and the upper-case
// types of Gemini's OpenAPI subset. `untyped` is what a schema without a type stands for (text in
// JSON Schema, an object in Gemini's), `items` what an array without items holds.
export function valueOf(schema, text, { untyped, items = {} } = {}) {
  if (!schema) return {};
  if (schema.enum) return schema.enum[0];
  if (schema.const !== undefined) return schema.const;
  const declared = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  const inner = (s) => valueOf(s, text, { untyped, items });
  switch (String(declared ?? untyped).toLowerCase()) {
    case 'object':
      return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([k, s]) => [k, inner(s)]));
    case 'array': return [inner(schema.items ?? items)];
    case 'integer': case 'number': return schema.minimum ?? 1;
    case 'boolean': return true;
    default: return text;
  }
}

// Gemini's reading: an untyped schema is an object, untyped array items are strings.
export const geminiSchema = { untyped: 'object', items: { type: 'string' } };
